"""Pure handler and turn-taking logic: numpy only, no audio libraries, no WebRTC, no Streamlit."""
