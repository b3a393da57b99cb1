"""Predictions (deepmotif.models.inference): batches, and the network's mode restored, also on an error."""

from __future__ import annotations

import pytest
import torch

from _interpret_fixtures import X_of, random_seqs, tiny_net
from deepmotif.models.inference import eval_mode, predict_logits, predict_proba, predict_unique_logits

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def X():
    return X_of(random_seqs(6, 30, seed=1))


def test_predict_batches_and_restores_training_mode(X):
    net = tiny_net("cnn_rnn").train()  # dropout on: predictions must switch it off and back
    y_hat = predict_logits(net, X, batch_size=4)
    assert net.training
    with torch.no_grad():
        expected = net.eval()(X)
    torch.testing.assert_close(y_hat, expected)
    torch.testing.assert_close(torch.from_numpy(predict_proba(net, X.numpy(), batch_size=1)), torch.sigmoid(expected))
    assert predict_logits(net, X[:0]).shape == (0,)
    with pytest.raises(ValueError, match=r"shape \(n, 4, length\)"):
        predict_logits(net, X[0])


class RowCounter(torch.nn.Module):
    """Wraps a network and records the rows of every batch it runs."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net, self.rows = net, []

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        self.rows.append(X.clone())
        return self.net(X)


def test_unique_logits_run_each_distinct_sequence_once(X):
    net = RowCounter(tiny_net("cnn"))
    X_rep = X[[3, 0, 3, 5, 0, 0, 1]].to(torch.int8)  # 4 distinct sequences, 3 repeats
    y_hat = predict_unique_logits(net, X_rep, batch_size=3)
    torch.testing.assert_close(y_hat, predict_logits(net.net, X_rep))
    assert y_hat[0] == y_hat[2] and y_hat[1] == y_hat[4] == y_hat[5]
    run = torch.cat(net.rows)
    torch.testing.assert_close(run, X[[3, 0, 5, 1]])  # once each, in the order of first occurrence, as float
    assert [len(r) for r in net.rows] == [3, 1]
    assert predict_unique_logits(net, X_rep[:0]).shape == (0,)


def test_eval_mode_restores_mode_on_error():
    net = tiny_net("cnn").train()
    with pytest.raises(RuntimeError, match="boom"):
        with eval_mode(net):
            assert not net.training
            raise RuntimeError("boom")
    assert net.training
