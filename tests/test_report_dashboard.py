"""The dashboard page of one TF (deepmotif.report.dashboard.render_dashboard) from hand-made files; the page in
a browser: tests/test_report_dashboard_browser.py; drawn from real result files: tests/test_report_tf_report.py."""

from __future__ import annotations


def _png(path) -> str:
    from PIL import Image

    Image.new("RGB", (2, 2), "white").save(path)
    return str(path)


def test_render_dashboard_from_hand_made_files(tmp_path):
    from deepmotif.report.dashboard import MotifPanel, render_dashboard

    saliency = tmp_path / "saliency"
    saliency.mkdir()
    _png(saliency / "01_a.png")
    (saliency / "index.tsv").write_text("name\trank\tid\tfile\n01_a\t1\tseq<1>\t01_a.png\n")
    motifs = tmp_path / "motifs"
    motifs.mkdir()
    _png(motifs / "class_optimization.png")
    (motifs / "index.tsv").write_text("query\tsource\tfile\tnote\n")
    metrics = {"cnn": {"test_auroc": 0.91234, "test_auprc": 0.8, "valid_auroc": 0.9, "epochs": 7, "best_epoch": 5,
                       "n_parameters": 1234, "n_train": 100, "n_test": 20, "seconds": 3.21}}
    html = render_dashboard("A<&>B", metrics, _png(tmp_path / "roc.png"), _png(tmp_path / "train.png"), saliency,
                            [MotifPanel("cnn", str(motifs))], max_q=0.01, top=10, pass_rate=0.8,
                            description="<i>desc</i>", settings={"saliency": "grad_x_input", "n_sequences": 1})
    assert "<h1>A&lt;&amp;&gt;B</h1>" in html and "&lt;i&gt;desc&lt;/i&gt;" in html  # escaped
    assert "<td>0.9123</td>" in html and "<td>1234</td>" in html and "<td>3.2</td>" in html
    assert 'href="#ground-truth"' not in html and 'href="#modisco"' not in html  # no such results: no sections
    assert html.count("data:image/png;base64,") >= 3  # the figures are inside the page (opens from file://)
    assert "seq&lt;1&gt;" in html and 'saliency=&#34;grad_x_input&#34;' in html
