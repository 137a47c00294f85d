"""The component's signalling, free of Streamlit: parse what the browser sends, decide what to do.

* :mod:`.protocol` - the browser's component value, validated once (it is untrusted).
* :mod:`.reconcile` - one pure step: (browser, server, script) -> what the stream does.
* :mod:`.ui` - the voice UI's options (labels, icon, colours), validated.

The wire format is documented in ``docs/component-protocol.md``.
"""
