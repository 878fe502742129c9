"""The shared NumPy toolkit: every backward pass against central finite differences."""

import numpy as np
import pytest

from simulators.gated_attention import model as A
from gradient_check import numerical_gradient, relative_error
from simulators.kit import nn

TOLERANCE = 1e-6


def check_layer(layer, x, rng):
    """Gradient of sum(forward(x) * R) for a fixed random R, for x and every parameter."""
    probe = rng.normal(size=layer.forward(x).shape)

    def loss():
        return float((layer.forward(x) * probe).sum())

    layer.zero_grad()
    layer.forward(x)
    dx = layer.backward(probe)
    assert relative_error(dx, numerical_gradient(loss, x)) < TOLERANCE
    for name, value in layer.params.items():
        analytic = layer.grads[name].copy()
        assert relative_error(analytic, numerical_gradient(loss, value)) < TOLERANCE, name


@pytest.mark.parametrize("bias", [True, False])
def test_dense_gradients_with_leading_axes(bias):
    rng = np.random.default_rng(0)
    check_layer(nn.Dense(5, 3, rng, bias=bias), rng.normal(size=(2, 4, 5)), rng)


def test_layernorm_gradients_and_output_moments():
    rng = np.random.default_rng(1)
    layer = nn.LayerNorm(6)
    layer.params["gain"][:] = rng.normal(size=6)
    layer.params["shift"][:] = rng.normal(size=6)
    check_layer(layer, rng.normal(size=(3, 4, 6)) * 3 + 1, rng)
    plain = nn.LayerNorm(6).forward(rng.normal(size=(10, 6)) * 5 + 2)
    assert np.allclose(plain.mean(axis=-1), 0, atol=1e-12)
    assert np.allclose(plain.var(axis=-1), 1, atol=1e-3)


def test_swish_gradients_and_values():
    rng = np.random.default_rng(2)
    check_layer(nn.Swish(), rng.normal(size=(4, 5)) * 3, rng)
    assert np.allclose(nn.Swish().forward(np.array([0.0, 50.0, -50.0])), [0.0, 50.0, 0.0], atol=1e-9)


def test_sigmoid_is_stable_at_extremes():
    values = nn.sigmoid(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]))
    assert np.all(np.isfinite(values))
    assert values[0] == 0.0 and values[2] == 0.5 and values[-1] == 1.0


def test_softmax_backward_and_logsumexp():
    rng = np.random.default_rng(3)
    x, probe = rng.normal(size=(3, 7)), rng.normal(size=(3, 7))
    s = nn.softmax(x)
    assert np.allclose(s.sum(axis=-1), 1)
    numeric = numerical_gradient(lambda: float((nn.softmax(x) * probe).sum()), x)
    assert relative_error(nn.softmax_backward(s, probe), numeric) < TOLERANCE
    big = np.array([[1000.0, 1000.0]])
    assert np.allclose(nn.logsumexp(big), 1000 + np.log(2))


def test_cross_entropy_value_and_gradient_with_weights():
    rng = np.random.default_rng(4)
    logits, targets, weights = rng.normal(size=(2, 3, 5)), rng.integers(5, size=(2, 3)), rng.random((2, 3))
    loss, grad = nn.cross_entropy(logits, targets, weights)
    log_p = logits - nn.logsumexp(logits)[..., None]
    expected = -(weights * np.take_along_axis(log_p, targets[..., None], -1)[..., 0]).sum() / weights.sum()
    assert loss == pytest.approx(expected)
    numeric = numerical_gradient(lambda: nn.cross_entropy(logits, targets, weights)[0], logits)
    assert relative_error(grad, numeric) < TOLERANCE


def test_mean_squared_error_value_and_gradient():
    rng = np.random.default_rng(5)
    pred, target, weights = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 2)), rng.random((3, 4))
    loss, grad = nn.mean_squared_error(pred, target, weights)
    assert loss == pytest.approx((weights * ((pred - target) ** 2).sum(-1)).sum() / weights.sum())
    numeric = numerical_gradient(lambda: nn.mean_squared_error(pred, target, weights)[0], pred)
    assert relative_error(grad, numeric) < TOLERANCE


def test_adam_minimises_a_quadratic_and_decays_only_matrices():
    rng = np.random.default_rng(6)
    layer = nn.Dense(3, 2, rng)
    target = np.array([[1.0, -2.0], [0.5, 0.0], [3.0, 1.0]])
    opt = nn.Adam([layer], lr=0.05)
    for _ in range(600):
        opt.zero_grad()
        layer.grads["W"] += 2 * (layer.params["W"] - target)
        layer.grads["b"] += 2 * (layer.params["b"] - 1.0)
        opt.step()
    assert np.allclose(layer.params["W"], target, atol=1e-3)
    assert np.allclose(layer.params["b"], 1.0, atol=1e-3)
    # With zero gradients, decoupled decay shrinks W by (1 - lr * decay) per step and leaves b alone.
    decaying = nn.Adam([layer], lr=0.1, weight_decay=0.5)
    before_w, before_b = layer.params["W"].copy(), layer.params["b"].copy()
    decaying.zero_grad()
    decaying.step()
    assert np.allclose(layer.params["W"], before_w * 0.95)
    assert np.array_equal(layer.params["b"], before_b)


def test_adam_steps_every_parameter_as_textbook_adamw_does_one_array_at_a_time():
    # The optimiser works on one flat array; the layers must see the same numbers as an update
    # written array by array (clipping, bias correction and decay on matrices only included).
    rng = np.random.default_rng(11)
    layers = [nn.Dense(3, 4, rng), nn.LayerNorm(4), nn.Dense(4, 2, rng, bias=False)]
    reference = [{k: v.copy() for k, v in layer.params.items()} for layer in layers]
    state = [{k: (np.zeros_like(v), np.zeros_like(v)) for k, v in layer.params.items()} for layer in layers]
    opt = nn.Adam(layers, lr=0.01, clip=0.5, weight_decay=0.1)
    for t in range(1, 6):
        opt.zero_grad()
        grads = [{k: rng.normal(size=v.shape) for k, v in layer.params.items()} for layer in layers]
        for layer, g in zip(layers, grads):
            for k in g:
                layer.grads[k] += g[k]
        opt.step()
        norm = np.sqrt(sum((g[k] ** 2).sum() for g in grads for k in g))
        for params, moments, g in zip(reference, state, grads):
            for k in params:
                clipped = g[k] * min(1.0, 0.5 / norm)
                m, v = moments[k]
                m[...] = 0.9 * m + 0.1 * clipped
                v[...] = 0.999 * v + 0.001 * clipped**2
                if params[k].ndim == 2:
                    params[k] *= 1 - 0.01 * 0.1
                params[k] -= 0.01 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t) * m / (np.sqrt(v) + 1e-8)  # Kingma & Ba's efficient form
    for layer, params in zip(layers, reference):
        for k in params:
            assert np.allclose(layer.params[k], params[k], rtol=1e-10, atol=1e-12), k
    # The layers hold views of the optimiser's arrays: a change through either is seen by both.
    layers[0].params["W"][0, 0] = 7.0
    assert 7.0 in opt.params


def test_adam_clips_by_global_norm():
    layer = nn.Dense(2, 2, np.random.default_rng(7), bias=False)
    layer.grads["W"][:] = [[3e6, 0.0], [0.0, 4e6]]
    opt = nn.Adam([layer], lr=0.1, clip=1.0)
    assert opt.step() == pytest.approx(5e6)  # the norm before clipping is reported
    first_moment = opt.moments[0]["W"][0]
    assert np.allclose(first_moment, 0.1 * np.array([[0.6, 0.0], [0.0, 0.8]]))  # (1 - beta1) * clipped gradient


@pytest.mark.parametrize("variant", A.VARIANTS)
def test_attention_model_gradients_for_every_parameter(variant):
    rng = np.random.default_rng(8)
    model = A.AttentionModel(variant, heads=2, d_head=3, d_model=4, rng=rng)
    for layer in model.layers:  # move gates and gains off their symmetric starting points
        for value in layer.params.values():
            value += rng.normal(scale=0.3, size=value.shape)
    x, targets, types = A.sample_batch(rng, 2, 6, 0.4)
    weights = (types != A.BOS).astype(float)

    def loss():
        return nn.mean_squared_error(model.forward(x), np.eye(A.N_CLASSES)[targets], weights)[0]

    for layer in model.layers:
        layer.zero_grad()
    model.loss_and_backward(x, targets, weights)
    for layer in model.layers:
        for name, value in layer.params.items():
            assert relative_error(layer.grads[name], numerical_gradient(loss, value)) < TOLERANCE, (type(layer).__name__, name)
