"""Turn-taking handlers built on the core and the audio utilities."""
