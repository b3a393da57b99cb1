"""Using trained models: score sequences (FASTA, TSV, BED) and variants (VCF), explain the strongest variants,
and tracks of predictions and attributions along the genome (bigWig)."""
