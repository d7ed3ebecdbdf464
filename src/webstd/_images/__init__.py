"""The machinery behind ``webstd images``: find a page's images and download them.

One module per idea: ``charset`` (which encoding a fetched page is in), ``extract`` (the image
URLs an HTML document references), ``naming`` (safe, unique file names inside the download
directory), ``robots`` (a robots.txt parser, RFC 9309), ``fetch`` (HTTP requests with retries,
per-host delays and robots.txt checks), ``download`` (one image to disk: resume, size and type
checks) and ``progress`` (what the user sees on stderr). The command line is webstd.cli.images.
"""
