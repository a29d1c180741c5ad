"""Name resolution for S3 Control clients in signet's end-to-end tests.

S3 Control clients (botocore, the AWS CLI) send every request to
ACCOUNT.<endpoint host>, here ACCOUNT.127.0.0.1, which no resolver knows.
Python loads this module at start-up when its directory is on PYTHONPATH:
it resolves any name under 127.0.0.1 to 127.0.0.1, so the request reaches
the test server unchanged, its Host header (and signature) included.
"""
import socket

_getaddrinfo = socket.getaddrinfo


def _resolve(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".127.0.0.1"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _resolve
