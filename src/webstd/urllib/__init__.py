"""The urllib package: parse (URLs), request (the high-level client), response and error."""
