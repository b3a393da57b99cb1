"""Class optimization (deepmotif.interpret.optimize): ``MotifNet``'s motif recovered, torch's RMSprop followed bit
for bit, the authors' start, independent restarts."""

from __future__ import annotations

import torch
from torch import nn

from _interpret_fixtures import MotifNet, tiny_net
from deepmotif.data.encoding import decode
from deepmotif.interpret import optimize_class_input

torch.set_num_threads(1)

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
