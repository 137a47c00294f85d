"""One stream connection: worker threads that run a handler off the server's event loop."""
