"""Temporal output scores (deepmotif.interpret.temporal): closed forms for ``AdditiveNet``, the naive loop over
prefixes and suffixes, the jump where ``MotifNet``'s motif completes."""

from __future__ import annotations

import pytest
import torch

from _interpret_fixtures import AdditiveNet, MotifNet, X_of, random_seqs, tiny_net
from deepmotif.interpret import temporal_scores
from deepmotif.models.inference import predict_proba

torch.set_num_threads(1)
ARCHS = ("cnn", "rnn", "rnn_max", "cnn_rnn")

def test_temporal_additive_net_closed_form():
    seq = "GATTACA"
    net = AdditiveNet()
    forward, backward = temporal_scores(net, X_of([seq]))
    contrib = torch.tensor([net.values[ "ACGT".index(b)].item() for b in seq])
    torch.testing.assert_close(forward[0], torch.sigmoid(net.bias.detach() + contrib.cumsum(0)))
    suffix_sums = contrib.flip(0).cumsum(0).flip(0)
    torch.testing.assert_close(backward[0], torch.sigmoid(net.bias.detach() + suffix_sums))


@pytest.mark.parametrize("arch", ARCHS)
def test_temporal_ends_equal_full_prediction_and_naive_loop(arch):
    net = tiny_net(arch).train()
    X = X_of(random_seqs(2, 12, seed=2))
    forward, backward = temporal_scores(net, X, batch_size=1)
    assert forward.shape == backward.shape == (2, 12)
    full = torch.from_numpy(predict_proba(net, X))
    torch.testing.assert_close(forward[:, -1], full)
    torch.testing.assert_close(backward[:, 0], full)
    for n in range(2):
        for i in range(12):
            prefix = predict_proba(net, X[n:n + 1, :, :i + 1])[0]
            suffix = predict_proba(net, X[n:n + 1, :, i:])[0]
            assert forward[n, i].item() == pytest.approx(prefix, abs=1e-6)
            assert backward[n, i].item() == pytest.approx(suffix, abs=1e-6)
    assert net.training


def test_temporal_motif_net_jumps_where_motif_completes():
    seq = "CCCCGATACCCC"  # GATA at positions 4..7
    forward, backward = temporal_scores(MotifNet(), X_of([seq]))
    jump_forward = int(torch.argmax(forward[0].diff())) + 1
    jump_backward = int(torch.argmax(backward[0].flip(0).diff())) + 1
    assert jump_forward == 7  # the prefix first contains GATA at its last base
    assert len(seq) - 1 - jump_backward == 4  # the suffix first contains it at its first base
