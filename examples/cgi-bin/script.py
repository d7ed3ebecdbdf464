#!/usr/bin/env python3
"""The seed's CGI script (program 12), ported to Python 3 and webstd.

It reads the form that cgi_client.py posts (language, framework, email) with FieldStorage and
answers in plain text. It must sit in a CGI directory (cgi-bin) and be executable (mode 755).
"""

from webstd import cgi

# FieldStorage reads the request (QUERY_STRING for GET, stdin for POST) as the server passed it.
form = cgi.FieldStorage()
language = form.getvalue("language")
framework = form.getvalue("framework")
email = form.getvalue("email")

print("Content-type: text/plain")
# As in the seed: this line ends the header block (a line holding only CR is a blank line).
print("\r")
print("Welcome, CGI Scripts")
print("language is ", language)
print("framework is ", framework)
print("email is", email)
