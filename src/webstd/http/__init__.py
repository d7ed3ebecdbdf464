"""Low-level HTTP: HTTPStatus and HTTPMethod here; client, server, cookies and cookiejar."""
