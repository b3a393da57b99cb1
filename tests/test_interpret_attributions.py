"""Tests of deepmotif.interpret (saliency, temporal, optimize, ism, filters) and of predictions (models.inference).

Hand-built networks (tests/_interpret_fixtures.py) make the expected values checkable by hand:
``AdditiveNet`` has closed forms for every method, ``MotifNet`` detects one planted motif.
"""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from _interpret_fixtures import AdditiveNet, MotifNet, X_of, motif_conv, random_seqs, tiny_net
from deepmotif.data.encoding import decode
from deepmotif.interpret import (
    filter_pwms,
    input_gradients_enabled,
    ism,
    optimize_class_input,
    saliency_map,
    temporal_scores,
)
from deepmotif.models.inference import eval_mode, predict_logits, predict_proba

torch.set_num_threads(1)
ARCHS = ("cnn", "rnn", "rnn_max", "cnn_rnn")


@pytest.fixture(scope="module")
def X():
    return X_of(random_seqs(6, 30, seed=1))


# --- input_gradients_enabled -------------------------------------------------------------------

def test_input_gradients_enabled_sets_and_restores_state():
    net = tiny_net("rnn").train()
    with torch.no_grad():
        with input_gradients_enabled(net):
            assert not net.training
            assert not torch.backends.cudnn.enabled
            assert torch.is_grad_enabled()
            X = X_of(["ACGTAC"]).requires_grad_()
            (grad,) = torch.autograd.grad(net(X).sum(), X)  # LSTM input gradient in eval mode
            assert grad.shape == X.shape and grad.abs().sum() > 0
        assert not torch.is_grad_enabled()
    assert net.training and torch.backends.cudnn.enabled


def test_input_gradients_enabled_restores_mode_on_error():
    net = tiny_net("cnn").train()
    with pytest.raises(RuntimeError, match="boom"):
        with input_gradients_enabled(net):
            raise RuntimeError("boom")
    assert net.training and torch.backends.cudnn.enabled


# --- saliency ----------------------------------------------------------------------------------

def test_saliency_additive_net_closed_form(X):
    net = AdditiveNet()
    X_attr = saliency_map(net, X)
    expected = net.values.detach().view(1, 4, 1) * X  # d logit / dX[b, j] = values[b]
    torch.testing.assert_close(X_attr, expected)


@pytest.mark.parametrize("arch", ARCHS)
def test_saliency_zero_where_base_absent_and_matches_tangermeme(arch, X):
    from tangermeme.saliency import saliency

    net = tiny_net(arch).train()  # saliency_map must switch off dropout itself
    X_attr = saliency_map(net, X, batch_size=4)
    assert X_attr.shape == X.shape
    assert torch.all(X_attr[X == 0] == 0)
    assert X_attr.abs().sum() > 0
    assert net.training
    reference = saliency(nn.Sequential(net, nn.Unflatten(0, (-1, 1))).eval(), X,
                         gradient_correction=False, device="cpu")
    torch.testing.assert_close(X_attr, reference, rtol=1e-4, atol=1e-6)


def test_saliency_loss_variant_is_scaled_absolute_gradient(X):
    net = tiny_net("cnn_rnn")
    plain = saliency_map(net, X)
    loss = saliency_map(net, X, method="loss_grad_x_input")
    p = torch.from_numpy(predict_proba(net, X)).view(-1, 1, 1)
    torch.testing.assert_close(loss, (1 - p) * plain.abs(), rtol=1e-4, atol=1e-7)


class CudnnLikeNet(AdditiveNet):
    """AdditiveNet that, like a cuDNN LSTM, cannot backpropagate in eval mode while cuDNN is on."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        y_hat = super().forward(X)
        if not self.training and torch.backends.cudnn.enabled and y_hat.requires_grad:
            def refuse(grad):
                raise RuntimeError("cudnn RNN backward can only be called in training mode")

            y_hat.register_hook(refuse)
        return y_hat


def test_every_gradient_method_works_on_a_net_that_backpropagates_only_without_cudnn_in_eval_mode():
    """cuDNN LSTMs cannot backpropagate in eval mode (docs/models.md): every method that takes gradients
    does so inside ``input_gradients_enabled`` (cuDNN off), also when called under ``torch.no_grad()``."""
    from deepmotif.interpret.modisco import hypothetical_contributions

    net, X = CudnnLikeNet().eval(), X_of(random_seqs(3, 12))
    with torch.backends.cudnn.flags(enabled=True), torch.no_grad():
        with pytest.raises(RuntimeError, match="training mode"):  # the net refuses outside the context
            with torch.enable_grad():
                X_grad = X.clone().requires_grad_()
                net(X_grad).sum().backward()
        assert torch.allclose(saliency_map(net, X), X * AdditiveNet().values.detach()[None, :, None])
        optimized, _ = optimize_class_input(net, 12, n_restarts=2, steps=3, lr=0.05, l2=0.0, seed=0, init="onehot")
        assert optimized.shape == (2, 4, 12)
        for method in ("grad_x_input", "deep_lift_shap"):
            assert hypothetical_contributions(net, X, method, 2, seed=0).shape == X.shape
    assert not net.training  # left in the caller's mode


def test_saliency_rejects_bad_input():
    with pytest.raises(ValueError, match=r"shape \(n, 4, length\).*\(2, 5, 3\)"):
        saliency_map(AdditiveNet(), torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match="method must be one of"):
        saliency_map(AdditiveNet(), torch.zeros(2, 4, 3), method="integrated")


# --- temporal ----------------------------------------------------------------------------------

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


# --- ism ---------------------------------------------------------------------------------------

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


# --- class optimization ------------------------------------------------------------------------

def test_optimize_recovers_gata():
    net = MotifNet("GATA")
    weights = {k: v.clone() for k, v in net.state_dict().items()}
    pwms, scores = optimize_class_input(net, 20, n_restarts=3, steps=150, lr=0.05, l2=0.009, seed=0, init="uniform")
    assert pwms.shape == (3, 4, 20) and scores.shape == (3,)
    torch.testing.assert_close(pwms.sum(dim=1), torch.ones(3, 20))
    assert torch.all(scores > 0.5)
    for pwm in pwms:
        seq = decode(pwm[None].numpy())[0]
        start = seq.find("GATA")
        assert start >= 0, seq
        assert torch.all(pwm[:, start:start + 4].amax(dim=0) > 0.9)
    for name, value in net.state_dict().items():  # weights untouched, no .grad left behind
        torch.testing.assert_close(value, weights[name])
    assert all(p.grad is None for p in net.parameters())


def test_optimize_follows_torch_rmsprop_optimizer_bit_for_bit():
    # the functional RMSprop (no torch._dynamo import) must give the optimizer object's trajectory exactly
    net = tiny_net("cnn").eval()
    pwms, scores = optimize_class_input(net, 15, n_restarts=2, steps=30, lr=0.05, l2=0.009, seed=3, init="onehot")
    bases = torch.randint(0, 4, (2, 15), generator=torch.Generator().manual_seed(3))
    X = torch.nn.functional.one_hot(bases, 4).transpose(1, 2).float().requires_grad_()
    optimizer = torch.optim.RMSprop([X], lr=0.05)
    for _ in range(30):
        y_hat = net(X)
        loss = nn.functional.binary_cross_entropy_with_logits(y_hat, torch.ones_like(y_hat), reduction="sum")
        (X.grad,) = torch.autograd.grad(loss + 0.009 * X.pow(2).sum(), X)
        optimizer.step()
        with torch.no_grad():
            X.clamp_(0.0, 1.0)
    X = X.detach()
    assert not torch.equal(X, torch.nn.functional.one_hot(bases, 4).transpose(1, 2).float())  # it moved
    total = X.sum(dim=1, keepdim=True)
    assert torch.equal(pwms, torch.where(total >= 1e-6, X / total.clamp(min=1e-6), 0.25))
    assert torch.equal(scores, torch.sigmoid(net(X)).detach())


def test_optimize_uniform_init_is_the_authors_start():
    # steps=0: the start itself; uniform entries in [0, 1] from the seeded generator, normalized per position
    pwms, scores = optimize_class_input(MotifNet("GATA"), 12, n_restarts=2, steps=0, lr=0.05, l2=0.009, seed=5,
                                        init="uniform")
    start = torch.rand(2, 4, 12, generator=torch.Generator().manual_seed(5))
    torch.testing.assert_close(pwms, start / start.sum(dim=1, keepdim=True))
    assert not torch.all((pwms == 0) | (pwms == 1))  # soft, unlike the one-hot start


def test_optimize_restarts_are_independent():
    net = tiny_net("cnn")
    pwms_2, scores_2 = optimize_class_input(net, 15, n_restarts=2, steps=20, lr=0.05, l2=0.009, seed=3, init="uniform")
    pwms_3, scores_3 = optimize_class_input(net, 15, n_restarts=3, steps=20, lr=0.05, l2=0.009, seed=3, init="uniform")
    torch.testing.assert_close(pwms_3[:2], pwms_2, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(scores_3[:2], scores_2, rtol=1e-4, atol=1e-5)


# --- filters -----------------------------------------------------------------------------------

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
    pwms, n_sites = filter_pwms(net.first_conv, X_of(random_seqs(10, 30, seed=5)))
    assert pwms.shape == (8, 4, 9) and n_sites.shape == (8,)
    torch.testing.assert_close(pwms.sum(dim=1), torch.ones(8, 9))
    assert n_sites.sum() > 0
    torch.testing.assert_close(pwms[n_sites == 0], torch.full(((n_sites == 0).sum().item(), 4, 9), 0.25))
    with pytest.raises(ValueError, match="shorter than the filter width 9"):
        filter_pwms(net.first_conv, X_of(["ACGT"]))


# --- predictions -----------------------------------------------------------------------------

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


def test_eval_mode_restores_mode_on_error():
    net = tiny_net("cnn").train()
    with pytest.raises(RuntimeError, match="boom"):
        with eval_mode(net):
            assert not net.training
            raise RuntimeError("boom")
    assert net.training
