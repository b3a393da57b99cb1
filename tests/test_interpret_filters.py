"""First-layer filter motifs (deepmotif.interpret.filters): a planted motif recovered from the sequences that
activate a filter."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from _interpret_fixtures import X_of, motif_conv, random_seqs, tiny_net
from deepmotif.interpret import filter_pwms

torch.set_num_threads(1)

def _count_windows(seqs: list[str], motif: str, min_matches: int) -> int:
    k = len(motif)
    return sum(sum(a == b for a, b in zip(s[p:p + k], motif)) >= min_matches
               for s in seqs for p in range(len(s) - k + 1))


def test_filter_pwms_recovers_planted_motif():
    seqs = random_seqs(40, 25, seed=4)
    seqs = [s[:10] + "GATA" + s[14:] if i % 2 == 0 else s for i, s in enumerate(seqs)]
    conv = nn.Conv1d(4, 2, 4)
    with torch.no_grad():
        conv.weight[0] = motif_conv("GATA").weight[0]
        conv.weight[1] = -1.0  # never activates: no sites
        conv.bias.zero_()
    pwms, n_sites = filter_pwms(conv, X_of(seqs), batch_size=7)
    # exact GATA scores 4, one mismatch 2: only exact matches exceed 0.5 * 4
    assert n_sites[0].item() == sum(len(re.findall("(?=GATA)", s)) for s in seqs)
    torch.testing.assert_close(pwms[0], X_of(["GATA"])[0])
    assert n_sites[1].item() == 0
    torch.testing.assert_close(pwms[1], torch.full((4, 4), 0.25))
    _, n_sites_loose = filter_pwms(conv, X_of(seqs), threshold_fraction=0.4)
    assert n_sites_loose[0].item() == _count_windows(seqs, "GATA", min_matches=3)


def test_filter_pwms_of_network_first_conv():
    net = tiny_net("cnn_rnn")
    X = X_of(random_seqs(100, 30, seed=5))
    pwms, n_sites = filter_pwms(net.first_conv, X)
    assert pwms.shape == (8, 4, 9) and n_sites.shape == (8,)
    pwms_one, n_sites_one = filter_pwms(net.first_conv, X, batch_size=len(X))  # one batch: the same to the bit
    assert torch.equal(pwms, pwms_one) and torch.equal(n_sites, n_sites_one)
    torch.testing.assert_close(pwms.sum(dim=1), torch.ones(8, 9))
    assert n_sites.sum() > 0
    torch.testing.assert_close(pwms[n_sites == 0], torch.full(((n_sites == 0).sum().item(), 4, 9), 0.25))
    with pytest.raises(ValueError, match="shorter than the filter width 9"):
        filter_pwms(net.first_conv, X_of(["ACGT"]))
