"""In-silico mutagenesis (deepmotif.interpret.mutagenesis): closed forms for ``AdditiveNet``, tangermeme's values and
explicitly mutated sequences."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from _interpret_fixtures import AdditiveNet, X_of, random_seqs, tiny_net
from deepmotif.interpret import ism
from deepmotif.models.inference import predict_proba

torch.set_num_threads(1)
ARCHS = ("cnn", "rnn", "rnn_max", "cnn_rnn")


@pytest.fixture(scope="module")
def X():
    return X_of(random_seqs(6, 30, seed=1))


def test_ism_additive_net_closed_form(X):
    net = AdditiveNet()
    X_ism = ism(net, X)
    values = net.values.detach().view(1, 4, 1)
    ref_value = (values * X).sum(dim=1, keepdim=True)
    torch.testing.assert_close(X_ism, (values - ref_value).expand_as(X), rtol=1e-5, atol=1e-5)
    assert torch.all(X_ism[X == 1] == 0)


def _ism_by_explicit_mutants(net: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """Reference ISM: every variant built and predicted one by one."""
    n, _, length = X.shape
    X_ism = torch.zeros(n, 4, length)
    with torch.no_grad():
        net.eval()
        for i in range(n):
            reference = net(X[i:i + 1]).item()
            for j in range(length):
                for b in range(4):
                    if X[i, b, j] == 1:
                        continue
                    mutant = X[i:i + 1].clone()
                    mutant[0, :, j] = 0
                    mutant[0, b, j] = 1
                    X_ism[i, b, j] = net(mutant).item() - reference
    return X_ism


@pytest.mark.parametrize("arch", ARCHS)
def test_ism_tangermeme_equals_explicit_mutants(arch):
    net = tiny_net(arch).train()
    X = X_of(random_seqs(2, 15, seed=6))
    X_ism = ism(net, X, batch_size=7)
    assert net.training  # mode restored
    torch.testing.assert_close(X_ism, _ism_by_explicit_mutants(net, X), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("arch", ARCHS)
def test_ism_equals_explicit_mutation(arch, X):
    net = tiny_net(arch)
    X_ism = ism(net, X, batch_size=37)  # batches span sequences
    assert X_ism.shape == X.shape
    assert torch.all(X_ism[X == 1] == 0)
    torch.testing.assert_close(X_ism, ism(net, X, batch_size=4096), rtol=1e-4, atol=1e-5)
    ref = torch.logit(torch.from_numpy(predict_proba(net, X)).double())
    for n, j, b in [(0, 0, 2), (3, 17, 0), (5, 29, 3), (2, 10, 1)]:
        if X[n, b, j] == 1:
            continue
        mutant = X[n:n + 1].clone()
        mutant[0, :, j] = 0
        mutant[0, b, j] = 1
        with torch.no_grad():
            expected = net.eval()(mutant).double().item() - ref[n].item()
        assert X_ism[n, b, j].item() == pytest.approx(expected, abs=1e-4)
