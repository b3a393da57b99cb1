"""Saliency maps (deepmotif.interpret.saliency) on hand-built networks (tests/_interpret_fixtures.py): closed forms
for ``AdditiveNet``, tangermeme's values, and input gradients of networks that backpropagate only without cuDNN."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from _interpret_fixtures import AdditiveNet, X_of, random_seqs, tiny_net
from deepmotif.interpret import input_gradients_enabled, optimize_class_input, saliency_map
from deepmotif.models.inference import predict_proba

torch.set_num_threads(1)
ARCHS = ("cnn", "rnn", "rnn_max", "cnn_rnn")


@pytest.fixture(scope="module")
def X():
    return X_of(random_seqs(6, 30, seed=1))


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
