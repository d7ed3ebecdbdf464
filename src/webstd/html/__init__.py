"""HTML helpers: escape and unescape here; the event parser in webstd.html.parser."""
