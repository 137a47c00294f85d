"""Entry point for ``python -m streamlit_rtc``."""

from .cli import main

raise SystemExit(main())
