"""DeepMotif: train, compare and interpret deep models of transcription-factor binding."""

__version__ = "0.1.0"
