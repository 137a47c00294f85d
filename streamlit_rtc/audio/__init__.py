"""Audio utilities: resampling, input/output format conversion, VAD, keyword spotting."""
