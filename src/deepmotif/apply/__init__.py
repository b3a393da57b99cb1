"""Applying trained models along the genome: tracks (and, after the layout move, predict and variants)."""
