"""The HTML dashboard of one TF and the index of all TFs (the DeMo Dashboard, as static pages).

Pages are rendered with jinja2 (autoescaping on, so TF names and motif names are HTML-escaped) from
files under ``results/`` only. Figures are embedded as base64 PNG and the only script is inline, so a
page opens from ``file://`` with no server and no network. Figure folders carry an ``index.tsv``
written by the ``deepmotif plot-*`` commands that names the figure of each sequence or motif.
"""

from __future__ import annotations

import base64
import json
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from deepmotif.data.io import atomic_path


def data_uri(path: str | os.PathLike) -> str:
    """A PNG file as a ``data:`` URI."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def read_figure_index(folder: str | os.PathLike) -> pd.DataFrame:
    """The ``index.tsv`` of a figure folder, with ``file`` made absolute-by-folder (``path`` column)."""
    folder = Path(folder)
    index = pd.read_csv(folder / "index.tsv", sep="\t", dtype=str, keep_default_na=False)
    index["path"] = [str(folder / f) for f in index["file"]]
    return index


def _fmt(value, digits: int = 3) -> str:
    """Numbers for tables: fixed point, scientific when tiny, blank when missing; text as is."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return ""
        return f"{value:.2e}" if digits and 0 < abs(value) < 10 ** -digits else f"{value:.{digits}f}"
    return str(value)


@dataclass
class MotifPanel:
    """Learned motifs of one architecture: their figure folder and JASPAR hits."""

    arch: str
    folder: str
    matches: pd.DataFrame = field(default_factory=pd.DataFrame)
    modisco: tuple[pd.DataFrame, pd.DataFrame] | None = None  # modisco_patterns.tsv, modisco_distances.tsv


ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
ENV.filters["fmt"] = _fmt
ENV.filters["uri"] = data_uri

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; margin: 0; color: #222; }
header { background: #1d3557; color: #fff; padding: 0.8em 1.5em; }
header a { color: #cfe3ff; }
header h1 { margin: 0 0 0.2em 0; font-size: 1.6em; }
nav a { margin-right: 1em; }
main { padding: 0 1.5em 2em 1.5em; max-width: 1400px; }
section { margin-top: 1.6em; border-top: 1px solid #ddd; }
h2 { margin: 0.6em 0 0.3em 0; }
p.how { color: #555; max-width: 70em; margin-top: 0; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.4em 0; display: block; max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th { background: #f1f3f6; }
td.l, th.l { text-align: left; }
tr.sig td { font-weight: 600; }
img { max-width: 100%; height: auto; }
.grid { display: flex; flex-wrap: wrap; gap: 1em; }
.motif { border: 1px solid #ddd; border-radius: 4px; padding: 0.5em; max-width: 40em; }
.motif h4 { margin: 0 0 0.3em 0; font-size: 0.95em; }
.pass { color: #1b7f3b; font-weight: 600; }
.fail { color: #b3261e; font-weight: 600; }
.selector { position: sticky; top: 0; background: #fff; padding: 0.4em 0; z-index: 1; }
"""

KNOWN_MOTIF_SOURCES = {"filter": "filters", "class_optimization": "class optimization", "modisco": "TF-MoDISco"}
"""Sources of learned motifs of the known-motif check (:data:`deepmotif.interpret.known_motifs.SOURCES`) as
the pages name them."""

# The known-motif check as both pages show it (one home): the rule behind a verdict and a verdict's cell.
KNOWN_MOTIF = ENV.from_string("""{% macro rule(max_q, bits) %}Expected: the sheet's <code>motifs</code> (simulated
TFs: the planted matrices), else the JASPAR matrices named like the TF (name lookup). Every learned motif
(first-layer filters, class-optimized windows, TF-MoDISco patterns) is matched with Tomtom; its top hit counts when
q &lt; {{ max_q }}, the motif has at least {{ bits }} bits, and it matches none of the column-shuffled JASPAR decoys
at q &lt; {{ max_q }} (unspecific motifs such as poly-C do). <b>exact</b>: a counting top hit is the TF's matrix;
<b>family</b>: a matrix of the same JASPAR <code>tf_family</code>; <b>none</b>{% endmacro %}
{% macro verdict_cell(verdict, match) %}<b>{{ verdict }}</b><br><small>{{ match|fmt }}</small>{% endmacro %}""").module
ENV.globals.update(known_motif=KNOWN_MOTIF, known_motif_sources=KNOWN_MOTIF_SOURCES)

DASHBOARD = ENV.from_string("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{{ tf }}: DeepMotif dashboard</title>
<style>{{ style }}</style>
</head>
<body>
<header>
<h1>{{ tf }}</h1>
{% if description %}<div>{{ description }}</div>{% endif %}
<nav><a href="{{ index_href }}">all TFs</a> <a href="#performance">performance</a>
{% if ground_truth %}<a href="#ground-truth">ground truth</a>{% endif %}
{% if known %}<a href="#known-motifs">known motif</a>{% endif %}
<a href="#sequences">saliency · temporal · ISM</a> <a href="#class-optimization">class optimization</a>
{% if filters %}<a href="#filters">filter motifs</a>{% endif %}
{% if modisco %}<a href="#modisco">TF-MoDISco</a>{% endif %}
{% if cooperativity %}<a href="#cooperativity">motif dependencies</a>{% endif %}
{% if variants %}<a href="#variants">variants</a>{% endif %}
{% if genome_view %}<a href="#genome-view">genome view</a>{% endif %}</nav>
</header>
<main>
<section id="performance">
<h2>Performance</h2>
<p class="how">Test split (held-out chromosomes or a random tenth); the checkpoint of the epoch with the
best validation AUROC.</p>
<table>
<tr><th class="l">architecture</th><th>test AUROC</th><th>test AUPRC</th><th>valid AUROC</th><th>epochs</th>
<th>best epoch</th><th>parameters</th><th>n train</th><th>n test</th><th>seconds</th></tr>
{% for arch, m in metrics.items() %}
<tr><td class="l">{{ arch }}</td><td>{{ m.test_auroc|fmt(4) }}</td><td>{{ m.test_auprc|fmt(4) }}</td>
<td>{{ m.valid_auroc|fmt(4) }}</td><td>{{ m.epochs|fmt }}</td><td>{{ m.best_epoch|fmt }}</td>
<td>{{ m.n_parameters|fmt }}</td><td>{{ m.n_train|fmt }}</td><td>{{ m.n_test|fmt }}</td><td>{{ m.seconds|fmt(1) }}</td></tr>
{% endfor %}
{% if composition %}<tr><td class="l">composition only (GC + CpG)</td><td>{{ composition.test_auroc|fmt(4) }}</td>
<td></td><td></td><td></td><td></td><td>3</td><td>{{ composition.n_train|fmt }}</td><td>{{ composition.n_test|fmt }}</td>
<td></td></tr>{% endif %}
</table>
<img src="{{ performance|uri }}" alt="ROC and precision-recall curves of {{ tf }}">
<img src="{{ training|uri }}" alt="training curves of {{ tf }}">
{% if composition %}
<h3 id="composition">Negative-set check: how much does composition alone separate the classes?</h3>
<p class="how">GC fraction and CpG observed/expected (CpG count × length / (C count × G count)) of the
positives and negatives, all splits. A logistic regression on these two numbers, fitted on the training split and
scored on the test split the models are scored on, reaches test AUROC <b>{{ composition.test_auroc|fmt(3) }}</b>
(last row of the table). 0.5: composition alone does not separate positives from negatives (dinucleotide
shuffles keep both exactly); above it, the negatives differ in composition and only a model's AUROC beyond
this baseline is more than GC and CpG.</p>
<img src="{{ composition.figure|uri }}" alt="GC content and CpG observed/expected of positives and negatives of {{ tf }}">
{% endif %}
</section>

{% if ground_truth %}
<section id="ground-truth">
<h2>Ground truth (simulated data)</h2>
<p class="how">The motifs planted in the simulated peaks ({{ planted }}) against the interpretations, on the
correctly classified test positives; chance beside every measure. <b>Top-{{ top }} precision</b>: share of the
{{ top }} most salient positions of a sequence that lie inside a planted motif (chance: the motifs' share of the
window). <b>Attribution AUROC</b>: per-position attribution against the planted mask (chance 0.5).
<b>Hit rate</b> (the old measure, weak): share of sequences where any of the {{ top }} positions touches a motif,
which {{ top }} random positions already do this often (chance). <b>Temporal</b>: share of positives
whose forward score is below 0.5 just before the planted element and above 0.5 once it has been read (backward:
the same from the right); jump offset: median position of the largest one-step rise of the forward score
relative to the element's last base. <b>JASPAR</b>: planted matrices that are the top Tomtom hit (q &lt; {{ max_q }})
of a class-optimized or filter motif. <b>TF-MoDISco</b>: planted matrices that are the top hit (q &lt; {{ max_q }})
of a MoDISco pattern or of one half of a pattern that merges a composite; spacing: mode of the distance between
the two recovered halves against the planted one.</p>
<table>
<tr><th class="l">architecture</th><th>positives</th><th>top-{{ top }} precision</th><th>chance</th>
<th>attribution AUROC</th><th>chance</th><th>hit rate</th><th>chance</th>
<th>temporal forward</th><th>backward</th><th>jump offset</th><th>JASPAR recovered</th>
<th class="l">by</th><th>TF-MoDISco recovered</th><th class="l">by</th><th>spacing (planted)</th></tr>
{% for g in ground_truth %}
<tr><td class="l">{{ g.arch }}</td><td>{{ g.n_positives|fmt }}</td>
<td>{{ g.saliency_precision|fmt }}</td><td>{{ g.saliency_precision_chance|fmt }}</td>
<td>{{ g.get('attribution_auroc')|fmt }}</td><td>{{ g.get('attribution_auroc_chance')|fmt }}</td>
<td>{{ g.saliency_hit_rate|fmt }}</td><td>{{ g.saliency_hit_chance|fmt }}</td>
<td>{{ g.get('temporal_forward_rate')|fmt }}</td><td>{{ g.get('temporal_backward_rate')|fmt }}</td>
<td>{{ g.get('temporal_jump_offset')|fmt(0) }}</td>
<td class="{{ 'pass' if g.jaspar_recovered else 'fail' }}">{{ g.jaspar_recovered|fmt }} of {{ g.n_planted }}</td>
<td class="l">{{ g.jaspar_queries }}</td>
{% if g.get('modisco_recovered') is not none %}
<td class="{{ 'pass' if g.modisco_recovered == g.n_planted else 'fail' }}">{{ g.modisco_recovered|fmt }} of {{ g.n_planted }}</td>
<td class="l">{{ g.get('modisco_queries') or '' }}</td>
<td{% if g.get('planted_spacing') is not none %} class="{{ 'pass' if g.get('modisco_spacing_ok') else 'fail' }}"{% endif %}>
{{ g.get('modisco_spacing_mode')|fmt(1) }}{% if g.get('planted_spacing') is not none %} ({{ g.planted_spacing|fmt(1) }}){% endif %}</td>
{% else %}<td></td><td></td><td></td>{% endif %}</tr>
{% endfor %}
</table>
</section>
{% endif %}
{% if known %}
<section id="known-motifs">
<h2>Known motif: did each model learn {{ tf }}'s JASPAR matrix?</h2>
<p class="how">{{ known_motif.rule(known.max_q, known.min_information) }}. Per architecture and source of learned
motifs: the verdict, the JASPAR hit behind it (for <b>none</b>, the best counting hit of another matrix, if any),
the learned motif it is the hit of, how many learned motifs count of those matched, and the matrices called that are
neither the TF's nor of its family. Decoy matches: learned motifs matching a column-shuffled decoy (the model's
false-match rate); family share: the share of JASPAR's matrices that would say exact or family (the chance level
of a random call). All TFs: <a href="{{ index_href }}#known-motifs">the index</a>.</p>
{% if known.expected %}
<table>
<tr><th class="l">expected matrix</th><th class="l">name</th><th class="l">JASPAR family</th><th class="l">class</th>
<th class="l">from</th></tr>
{% for e in known.expected %}<tr><td class="l">{{ e.motif_id }}</td><td class="l">{{ e.name }}</td>
<td class="l">{{ e.family }}</td><td class="l">{{ e['class'] }}</td><td class="l">{{ e.origin }}</td></tr>
{% endfor %}</table>
{% else %}
<p><b>{{ known.no_matrix }}</b>: the sheet names no JASPAR id for {{ tf }} and no JASPAR matrix is named
{{ known.lookup_name }}; every verdict below says so.</p>
{% endif %}
<table>
<tr><th class="l">architecture</th><th class="l">source</th><th class="l">verdict and JASPAR match</th>
<th class="l">learned motif</th><th>counting / matched</th><th class="l">other matrices called</th>
<th>decoy matches</th><th>family share</th></tr>
{% for m in known.models %}
{% for v in m.verdicts %}
<tr>{% if loop.first %}<td class="l" rowspan="{{ m.verdicts|length }}">{{ m.arch }}</td>{% endif %}
<td class="l">{{ known_motif_sources.get(v.source, v.source) }}</td>
<td class="l">{{ known_motif.verdict_cell(v.verdict, v.match) }}</td><td class="l">{{ v['query'] }}</td>
<td>{{ v.n_calls|fmt }} / {{ v.n_queries|fmt }}</td><td class="l"><small>{{ v.unexpected }}</small></td>
{% if loop.first %}<td rowspan="{{ m.verdicts|length }}">{{ m.n_decoy|fmt }} of {{ m.n_queries|fmt }}</td>
<td rowspan="{{ m.verdicts|length }}">{{ m.family_share|fmt }}</td>{% endif %}</tr>
{% endfor %}
{% endfor %}
</table>
</section>
{% endif %}

<section id="sequences">
<h2>Saliency maps, temporal output scores and in-silico mutagenesis</h2>
<p class="how">The {{ sequences|length }} strongest test peaks (first in the test split). <b>Saliency</b>: gradient of
the positive-class score times the input ({{ saliency_method }}); red cells and tall letters raise the score.
<b>Temporal output scores</b>: P(binding) of every prefix (forward: bases 1..i) and suffix (backward: bases
i..end); the colour changes where the model has read its evidence. <b>ISM</b>: change in the logit when each base
is substituted (dots: the sequence); blue columns are bases the model needs.</p>
<div class="selector"><label for="seq-select">sequence </label>
<select id="seq-select">
{% for s in sequences %}<option value="{{ loop.index0 }}">{{ loop.index }}. {{ s.id }}</option>
{% endfor %}
</select></div>
{% for s in sequences %}
<div class="seq-panel" data-seq="{{ loop.index0 }}"{% if not loop.first %} hidden{% endif %}>
<h3>{{ loop.index }}. {{ s.id }}</h3>
<h4>Saliency</h4>
<img src="{{ s.saliency|uri }}" alt="saliency of {{ s.id }}">
{% if s.temporal %}<h4>Temporal output scores</h4>
<img src="{{ s.temporal|uri }}" alt="temporal output scores of {{ s.id }}">{% endif %}
{% if s.ism %}<h4>In-silico mutagenesis</h4>
<img src="{{ s.ism|uri }}" alt="in-silico mutagenesis of {{ s.id }}">{% endif %}
</div>
{% endfor %}
</section>

<section id="class-optimization">
<h2>Class optimization</h2>
<p class="how">The input that maximizes the positive-class score (RMSprop from random starts with an L2 penalty,
each position normalized: letter height = information in bits). Shaded windows are where the model looks
(largest gradient times input); each is matched to JASPAR with Tomtom (hits with q &lt; {{ max_q }} in bold).</p>
{% for panel in class_optimization %}
<h3>{{ panel.arch }}</h3>
<img src="{{ panel.overview|uri }}" alt="class optimization of {{ panel.arch }}">
<div class="grid">
{% for m in panel.motifs %}{{ motif_box(m) }}{% endfor %}
</div>
{% endfor %}
</section>

{% if filters %}
<section id="filters">
<h2>First-layer filter motifs</h2>
<p class="how">Each filter of the first convolution as the position frequency matrix of the training positives'
subsequences that activate it above half its maximum; the filters whose best JASPAR hit is most significant are
shown (letter height = information in bits).</p>
{% for panel in filters %}
<h3>{{ panel.arch }}</h3>
<div class="grid">
{% for m in panel.motifs %}{{ motif_box(m) }}{% endfor %}
</div>
{% endfor %}
</section>
{% endif %}
{% if modisco %}
<section id="modisco">
<h2>TF-MoDISco</h2>
<p class="how">Motifs the model uses across the test positives: TF-MoDISco (modisco-lite) clusters the
high-attribution stretches (seqlets) of signed hypothetical contributions ({{ modisco_method }}) into patterns.
Each pattern: its contribution-weighted logo (top) and the information logo of its seqlets (bottom), the number
of seqlets, and its top JASPAR hit (Tomtom) only when q &lt; {{ modisco_max_q }}; a pattern that merges two motifs
is also matched by its halves (columns start-end). Below: the distances between the seqlet centres of pattern
pairs in the same sequence (the learned arrangement; same pattern: two sites in one sequence).</p>
{% for panel in modisco %}
<h3>{{ panel.arch }}: {{ panel.patterns|length }} pattern{{ '' if panel.patterns|length == 1 else 's' }}</h3>
{% if panel.patterns %}
<table><tr><th class="l">pattern</th><th>seqlets</th><th>width</th><th class="l">JASPAR (q &lt; {{ modisco_max_q }})</th>
<th>q</th><th class="l">halves</th></tr>
{% for p in panel.patterns %}<tr><td class="l">{{ p.pattern }}</td><td>{{ p.n_seqlets|fmt }}</td><td>{{ p.width|fmt }}</td>
<td class="l">{{ p.match_name }}{% if p.match_id %} ({{ p.match_id }}){% endif %}</td><td>{{ p.match_q|fmt }}</td>
<td class="l">{{ p.sub_matches }}</td></tr>
{% endfor %}</table>
<div class="grid">
{% for f in panel.logos %}<div class="motif"><img src="{{ f.path|uri }}" alt="TF-MoDISco {{ f.query }}"></div>{% endfor %}
</div>
{% for f in panel.distances %}<img src="{{ f.path|uri }}" alt="seqlet distances of {{ panel.arch }}">{% endfor %}
{% else %}<p class="how">no pattern (too few seqlets above the attribution threshold)</p>{% endif %}
{% endfor %}
</section>
{% endif %}
{% if cooperativity %}
<section id="cooperativity">
<h2>Motif dependencies</h2>
<p class="how">Does the model read two motifs together? Motifs A and B are inserted into dinucleotide-shuffled
backgrounds (the TF's own test negatives) at gaps of 0 to {{ cooperativity[0].max_spacing }} bp in four arrangements
(A+ B+: A then B on one strand; B+ A+; A+ B- and A- B+: opposite strands). Interaction = logit(A+B) − logit(A) −
logit(B) + logit(background): 0 when the model adds up the two motifs' effects, positive when the pair counts
more than its parts (cooperation), negative when less (the second motif adds nothing once the first is there, or
the arrangement is read as unbound). The null replaces B by shuffles of B; dotted lines are its 95 % interval, and
an arrangement is significant (dots) when its Benjamini–Hochberg q over the arrangements is below
{{ cooperativity[0].max_q }} and |interaction| ≥ {{ cooperativity[0].min_interaction }} logit. "vs median" is the
interaction minus its median over all arrangements: near 0 when it is the same at every gap and orientation (two
copies of one strong motif saturate the model: not a grammar), large where one arrangement is read specially.</p>
<table><tr><th class="l">model</th><th class="l">A</th><th class="l">B</th><th>significant arrangements</th>
<th class="l">strongest interaction (arrangement, gap, logit, q)</th></tr>
{% for c in cooperativity %}<tr><td class="l">{{ c.arch }}</td><td class="l">{{ c.motif_a }} <small>({{ c.source_a }})</small></td>
<td class="l">{{ c.motif_b }} <small>({{ c.source_b }})</small></td><td>{{ c.n_significant }} of {{ c.n_arrangements }}</td>
<td class="l">{{ c.strongest }}</td></tr>
{% endfor %}</table>
<div class="grid">
{% for c in cooperativity %}{% if c.figure %}<img src="{{ c.figure|uri }}" alt="motif dependencies of {{ c.arch }}">{% endif %}{% endfor %}
</div>
</section>
{% endif %}
{% if variants %}
<section id="variants">
<h2>Variants</h2>
<p class="how">{{ variants.n_scored }} variant alleles scored (deepmotif score-variants: the 101-bp window centred
on the variant, REF vs ALT, both strands averaged). The {{ variants.top|length }} with the largest |Δlogit|
(mean over architectures) are listed; each is drawn as the saliency (gradient × input) and the in-silico
mutagenesis of its REF window above its ALT window for every architecture, the first changed base outlined.
Full table: <code>results/{{ tf }}/variants.tsv</code>; all TFs: <code>results/summary/variants.tsv</code>.</p>
<table>
<tr><th>#</th><th class="l">variant</th><th class="l">id</th>{% if variants.top and variants.top[0]['class'] %}<th class="l">class</th>{% endif %}
<th>Δlogit (mean)</th>{% for arch in variant_archs %}<th>{{ arch }}</th>{% endfor %}</tr>
{% for v in variants.top %}
<tr><td>{{ loop.index }}</td><td class="l">{{ v.variant }}</td><td class="l">{{ v.id }}</td>
{% if v['class'] %}<td class="l">{{ v['class'] }}</td>{% endif %}
<td>{{ v.delta_logit|fmt }}</td>{% for arch in variant_archs %}<td>{{ v.by_arch.get(arch)|fmt }}</td>{% endfor %}</tr>
{% endfor %}
</table>
{% if variant_figures %}
<div class="selector"><label for="variant-select">variant </label>
<select id="variant-select">
{% for f in variant_figures %}<option value="{{ loop.index0 }}">{{ loop.index }}. {{ f.id }}</option>
{% endfor %}
</select></div>
{% for f in variant_figures %}
<div class="variant-panel" data-variant="{{ loop.index0 }}"{% if not loop.first %} hidden{% endif %}>
<h3>{{ loop.index }}. {{ f.id }}</h3>
<h4>Saliency, REF vs ALT</h4>
<img src="{{ f.saliency|uri }}" alt="saliency of {{ f.id }}, REF and ALT">
{% if f.ism %}<h4>In-silico mutagenesis, REF vs ALT</h4>
<img src="{{ f.ism|uri }}" alt="in-silico mutagenesis of {{ f.id }}, REF and ALT">{% endif %}
</div>
{% endfor %}
{% endif %}
</section>
{% endif %}
{% if genome_view %}
<section id="genome-view">
<h2>Genome view</h2>
<p class="how">The strongest tracked test peaks in igv.js (offline): per architecture the logit per base (mean over
the windows covering it, both strands), the attribution of the reference base and the motif instances called on it
(Fi-NeMo on the model's TF-MoDISco patterns). <a href="{{ genome_view.page }}">Open the view alone</a>;
{% if genome_view.session %}<a href="{{ genome_view.session }}">IGV desktop session</a> (File › Open Session: the
genome, every bigWig and instance BED);{% endif %} the files: <code>results/{{ tf }}/&lt;arch&gt;/tracks/</code>.</p>
<iframe src="{{ genome_view.page }}" title="genome view of {{ tf }}" style="width: 100%; height: 960px; border: 1px solid #ddd;"></iframe>
</section>
{% endif %}
<footer><p class="how">DeepMotif · generated from results/{{ tf }}/ · {{ settings }}</p></footer>
</main>
<script>
document.getElementById("seq-select").addEventListener("change", function (event) {
  document.querySelectorAll(".seq-panel").forEach(function (panel) {
    panel.hidden = panel.dataset.seq !== event.target.value;
  });
});
var variantSelect = document.getElementById("variant-select");
if (variantSelect) {
  variantSelect.addEventListener("change", function (event) {
    document.querySelectorAll(".variant-panel").forEach(function (panel) {
      panel.hidden = panel.dataset.variant !== event.target.value;
    });
  });
}
</script>
</body>
</html>
""")

MOTIF_BOX = ENV.from_string("""<div class="motif"><h4>{{ m.query }}{% if m.note %} <small>({{ m.note }})</small>{% endif %}</h4>
<img src="{{ m.path|uri }}" alt="logo of {{ m.query }}">
{% if m.hits|length %}
<table><tr><th>#</th><th class="l">JASPAR</th><th class="l">name</th><th>p</th><th>q</th><th>strand</th></tr>
{% for h in m.hits %}<tr{% if h.q_value < max_q %} class="sig"{% endif %}><td>{{ h.rank }}</td><td class="l">{{ h.target_id }}</td>
<td class="l">{{ h.target_name }}</td><td>{{ h.p_value|fmt }}</td><td>{{ h.q_value|fmt }}</td><td>{{ h.orientation }}</td></tr>
{% endfor %}</table>
{% else %}<div class="how">no informative positions to match</div>{% endif %}
</div>
""")

INDEX = ENV.from_string("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>DeepMotif: all TFs</title>
<style>{{ style }}</style>
</head>
<body>
<header><h1>DeepMotif</h1><div>CNN, RNN and CNN-RNN models of TF binding and what they learned
(after the Deep Motif Dashboard, Lanchantin et al., PSB 2017)</div></header>
<main>
<section>
<h2>Transcription factors</h2>
<table>
<tr><th class="l">TF</th><th class="l">dashboard</th>{% for arch in archs %}<th>{{ arch }} AUROC</th>{% endfor %}
{% if composition %}<th title="test AUROC of a logistic regression on GC content and CpG observed/expected alone">composition AUROC</th>{% endif %}
{% if known %}<th class="l"><a href="#known-motifs">known motif</a> ({{ archs|join(' / ') }})</th>{% endif %}
<th class="l">description</th></tr>
{% for t in tfs %}
<tr><td class="l">{{ t.tf }}</td><td class="l"><a href="{{ t.href }}">dashboard</a></td>
{% for arch in archs %}<td>{{ t.auroc.get(arch)|fmt(4) }}</td>{% endfor %}
{% if composition %}<td>{{ composition.get(t.tf)|fmt(4) }}</td>{% endif %}
{% if known %}<td class="l">{% for arch in archs %}{{ known_by.get((t.tf, arch), {}).get('verdict', '–') }}{% if not loop.last %} / {% endif %}{% endfor %}</td>{% endif %}
<td class="l">{{ t.description }}</td></tr>
{% endfor %}
</table>
{% if composition %}<p class="how">composition AUROC: the test AUROC of a logistic regression on GC content and CpG
observed/expected alone, fitted on the same training split (0.5: the negatives have the positives' composition);
a model has learned more than composition only by the margin above it.</p>{% endif %}
</section>
{% if known %}
<section id="known-motifs">
<h2>Known motifs: did each model learn the TF's motif?</h2>
<p class="how">{{ known_motif.rule(known_max_q, known_bits) }}; family share: the share of JASPAR's matrices that
would say exact or family (the chance level of a random call). <b>Calibration</b>: the same
{{ calibration.n_queries }} learned motifs against as many column-shuffled decoys as JASPAR matrices:
{{ calibration.n_decoy }} match a decoy at q &lt; {{ known_max_q }}, a false-match rate of
{{ calibration.rate|fmt }} per learned motif, against {{ calibration.n_real }} that match a real matrix
(decoy-estimated FDR {{ calibration.fdr|fmt }}). Logo: the best learned motif above its JASPAR match.</p>
<table>
<tr><th class="l">TF</th><th class="l">architecture</th><th class="l">expected</th>
{% for label in known_motif_sources.values() %}<th class="l">{{ label }}</th>{% endfor %}<th class="l">best learned motif and match</th>
<th>family share</th><th>decoy matches</th><th class="l">other matrices called</th></tr>
{% for k in known %}
<tr><td class="l"><a href="{{ hrefs.get(k.tf, '#') }}">{{ k.tf }}</a></td><td class="l">{{ k.arch }}</td>
<td class="l">{{ k.expected }}<br><small>{{ k.origin }}</small></td>
{% for source in known_motif_sources %}
<td class="l">{{ known_motif.verdict_cell(k.get(source ~ '_verdict', ''), k.get(source ~ '_match', '')) }}</td>
{% endfor %}
<td class="l">{% if k.figure %}<img src="{{ k.figure|uri }}" alt="best learned motif of {{ k.tf }} {{ k.arch }} and its JASPAR match" style="max-width: 18em">{% else %}no learned motif matched{% endif %}</td>
<td>{{ k.family_share|fmt }}</td><td>{{ k.n_decoy|fmt }} of {{ k.n_queries|fmt }}</td>
<td class="l"><small>{{ k.unexpected|fmt }}</small></td></tr>
{% endfor %}
</table>
</section>
{% endif %}
<section>
<h2>Test AUROC / AUPRC (the paper's table)</h2>
<table>
<tr>{% for c in auc.columns %}<th{% if loop.index <= 2 %} class="l"{% endif %}>{{ c }}</th>{% endfor %}</tr>
{% for row in auc.itertuples(index=False) %}
<tr>{% for v in row %}<td{% if loop.index <= 2 %} class="l"{% endif %}>{{ v|fmt(4) }}</td>{% endfor %}</tr>
{% endfor %}
</table>
</section>
{% if cooperativity is not none and cooperativity|length %}
<section id="cooperativity">
<h2>Motif dependencies: strongest interaction per model</h2>
<p class="how">deepmotif cooperativity: two motifs inserted into shuffled backgrounds in four arrangements
(A+ B+, B+ A+, A+ B-, A- B+) at every gap; the interaction (logit) of the significant arrangement with the largest
|interaction| (Benjamini–Hochberg q over the arrangements, against shuffles of B), or "none" with the largest one;
"vs median": the same minus the model's median interaction over all arrangements (near 0: the same everywhere, as
when two copies of one strong motif saturate the model). Details on each TF's dashboard.</p>
<table>
<tr><th class="l">TF</th>{% for arch in archs %}<th class="l">{{ arch }}: strongest interaction (arrangement, gap, q)</th>{% endfor %}</tr>
{% for tf, row in cooperativity.items() %}
<tr><td class="l"><a href="{{ hrefs.get(tf, '') }}#cooperativity">{{ tf }}</a></td>
{% for arch in archs %}<td class="l">{{ row.get(arch, '') }}</td>{% endfor %}</tr>
{% endfor %}
</table>
</section>
{% endif %}
{% if figures %}
<section id="comparison">
<h2>Architectures compared across TFs</h2>
{% if figures.get('auc_scatter') %}<p class="how">Left: one point per TF, test AUROC of one architecture against another (the paper's CNN vs
CNN-RNN comparison when both are trained); points above the diagonal are TFs where the vertical one wins.
Right: the test AUROC of every TF per architecture.</p>
{% else %}<p class="how">One architecture trained: nothing to compare; the test AUROC of every TF.</p>{% endif %}
<div class="grid">
{% if figures.get('auc_scatter') %}<img src="{{ figures.auc_scatter|uri }}" alt="test AUROC scatter, one point per TF">{% endif %}
{% if figures.get('auc_box') %}<img src="{{ figures.auc_box|uri }}" alt="test AUROC per architecture over TFs">{% endif %}
</div>
</section>
{% endif %}
{% if variants is not none %}
<section id="variants">
<h2>Variants</h2>
<p class="how">{{ variants|length }} variant × TF rows scored (results/summary/variants.tsv: REF vs ALT window,
both strands, mean over architectures), the {{ variants_top|length }} with the largest |Δlogit| listed. Each TF's
dashboard draws its strongest variants as REF vs ALT saliency and ISM.</p>
<table>
<tr><th>#</th><th class="l">TF</th><th class="l">variant</th><th class="l">id</th>{% if has_class %}<th class="l">class</th>{% endif %}
<th>Δlogit</th><th>P(ref)</th><th>P(alt)</th><th>archs agree</th></tr>
{% for v in variants_top %}
<tr><td>{{ v['rank'] }}</td><td class="l"><a href="{{ hrefs.get(v.tf, '#') }}#variants">{{ v.tf }}</a></td>
<td class="l">{{ v.chrom }}:{{ v.pos }}:{{ v.ref }}&gt;{{ v.alt }}</td><td class="l">{{ v.id }}</td>
{% if has_class %}<td class="l">{{ v.CLASS }}</td>{% endif %}
<td>{{ v.delta_logit|fmt }}</td><td>{{ v.prob_ref|fmt }}</td><td>{{ v.prob_alt|fmt }}</td><td>{{ v.archs_agree|fmt }}</td></tr>
{% endfor %}
</table>
{% if variant_truth is not none and variant_truth|length %}
<h3>Simulated variants: ground truth</h3>
<p class="how">Per simulated TF a VCF of variants that break a planted motif, create a new instance, or are
neutral (far from motifs, or at flat motif positions). Matrix "all" pools the planted matrices; a TF with
several also gets a row per matrix (its break and create variants against all neutral ones). AUROC break:
|Δlogit| of break vs neutral variants;
AUROC create: Δlogit of create vs neutral; sign accuracy: share of break variants with Δlogit &lt; 0 and create
variants with Δlogit &gt; 0 (results/summary/variants_ground_truth.tsv).</p>
<table>
<tr><th class="l">TF</th><th class="l">architecture</th>{% if 'motif' in variant_truth %}<th class="l">matrix</th>{% endif %}
<th>break</th><th>create</th><th>neutral</th>
<th>AUROC break</th><th>AUROC create</th><th>sign accuracy</th></tr>
{% for g in variant_truth.to_dict('records') %}
<tr><td class="l"><a href="{{ hrefs.get(g.tf, '#') }}#variants">{{ g.tf }}</a></td><td class="l">{{ g.arch }}</td>
{% if 'motif' in variant_truth %}<td class="l">{{ g.motif }}</td>{% endif %}
<td>{{ g.n_break|fmt }}</td><td>{{ g.n_create|fmt }}</td><td>{{ g.n_neutral|fmt }}</td>
<td>{{ g.auroc_break|fmt }}</td><td>{{ g.auroc_create|fmt }}</td><td>{{ g.sign_accuracy|fmt }}</td></tr>
{% endfor %}
</table>
{% endif %}
</section>
{% endif %}
{% if ground_truth is not none and ground_truth|length %}
<section>
<h2>Ground-truth checks (simulated TFs)</h2>
<p class="how">Correctly classified test positives; chance in brackets. Top-{{ top }} precision: share of the
{{ top }} most salient positions inside the planted motif; attribution AUROC: per-position attribution against
the planted mask; hit rate (weak, chance is high): share of sequences where any of the {{ top }} positions touches
the motif; temporal: share whose forward score switches from below to above 0.5 across the planted element;
JASPAR: planted matrices recovered as a learned motif's top Tomtom hit (q &lt; {{ max_q }}); TF-MoDISco: patterns
found, planted matrices recovered as a pattern's (or a pattern half's) top hit, and for a composite the learned
spacing (planted in brackets).</p>
<table>
<tr><th class="l">TF</th><th class="l">architecture</th><th>top-{{ top }} precision</th><th>attribution AUROC</th>
<th>hit rate</th><th>temporal forward</th><th>JASPAR recovered</th><th>MoDISco patterns</th>
<th>MoDISco recovered</th><th>spacing</th></tr>
{% for g in ground_truth.to_dict('records') %}
<tr><td class="l"><a href="{{ hrefs.get(g.tf, '#') }}">{{ g.tf }}</a></td><td class="l">{{ g.arch }}</td>
<td>{{ g.saliency_precision|fmt }} ({{ g.saliency_precision_chance|fmt }})</td>
<td>{{ g.get('attribution_auroc')|fmt }} ({{ g.get('attribution_auroc_chance')|fmt }})</td>
<td>{{ g.saliency_hit_rate|fmt }} ({{ g.saliency_hit_chance|fmt }})</td>
<td>{{ g.get('temporal_forward_rate')|fmt }}</td><td>{{ g.get('jaspar_recovered')|fmt }} of {{ g.get('n_planted')|fmt }}</td>
<td>{{ g.get('modisco_patterns')|fmt }}</td>
<td>{% if g.get('modisco_recovered') is not none and g.get('modisco_recovered') == g.get('modisco_recovered') %}{{ g.modisco_recovered|fmt }} of {{ g.get('n_planted')|fmt }}{% endif %}</td>
<td>{{ g.get('modisco_spacing_mode')|fmt(1) }}{% if g.get('planted_spacing') is not none and g.get('planted_spacing') == g.get('planted_spacing') %} ({{ g.planted_spacing|fmt(1) }}){% endif %}</td></tr>
{% endfor %}
</table>
</section>
{% endif %}
</main>
</body>
</html>
""")


def _motif_entries(folder: str, matches: pd.DataFrame, source: str) -> list[dict]:
    index = read_figure_index(folder)
    index = index[index["source"] == source]
    entries = []
    for row in index.itertuples(index=False):
        hits = matches[matches["query"] == row.query].sort_values("rank") if len(matches) else matches
        entries.append({"query": row.query, "note": row.note, "path": row.path,
                        "hits": hits.to_dict("records")})
    return entries


def render_dashboard(
    tf: str,
    metrics: Mapping[str, dict],
    performance: str | os.PathLike,
    training: str | os.PathLike,
    saliency_dir: str | os.PathLike,
    motifs: Sequence[MotifPanel],
    *,
    max_q: float,
    top: int,
    pass_rate: float,
    temporal_dir: str | os.PathLike | None = None,
    ism_dir: str | os.PathLike | None = None,
    ground_truth: Sequence[dict] = (),
    description: str = "",
    settings: Mapping[str, object] | None = None,
    index_href: str = "../index.html",
    variants: Mapping[str, object] | None = None,
    composition: Mapping[str, object] | None = None,
    genome_view: Mapping[str, str] | None = None,
    cooperativity: Sequence[Mapping[str, object]] = (),
) -> str:
    """The dashboard page of one TF as HTML text.

    Parameters
    ----------
    tf: str
        TF (dataset) name; escaped.
    metrics: mapping of str to dict
        ``metrics.json`` per architecture, in display order.
    performance, training: path
        ROC/PR and training-curve PNGs.
    saliency_dir, temporal_dir, ism_dir: path
        Figure folders with ``index.tsv`` (``rank id file``); ``temporal_dir``/``ism_dir`` optional.
    motifs: sequence of MotifPanel
        Per architecture: folder from ``deepmotif plot-motifs`` (``index.tsv``: ``query source file note``)
        and its JASPAR hits.
    ground_truth: sequence of dict
        ``ground_truth.json`` per architecture, or empty: its ``known_motifs`` entry (every TF) is the
        known-motif section (:func:`known_motif_section`); rows with the planted-motif checks
        (:func:`deepmotif.simulation.groundtruth.summarize`, simulated TFs) are the ground-truth section.
    description: str, optional
    settings: mapping, optional
        Interpretation settings printed in the footer.
    index_href: str, optional
        Link back to the index page. Default "../index.html".
    max_q: float
        q-value below which hits are bold (config ``interpret.jaspar.max_q``).
    top: int
        Most salient positions per sequence of the ground-truth check, for the text
        (``interpret.ground_truth.top``).
    pass_rate: float
        Saliency hit rate shown as a pass (``interpret.ground_truth.pass_rate``).
    variants: mapping, optional
        The variants section: ``figures`` (folder of :func:`deepmotif.report.tf_report.variant_figures`),
        ``n_scored`` and ``top`` (rows of :func:`deepmotif.report.tf_report.variant_rows`); None: no section.
    composition: mapping, optional
        The negative-set check: :func:`deepmotif.data.composition.composition_baseline`'s result with
        ``figure`` (the PNG of :func:`deepmotif.report.figures.composition_figure`); None: not shown.
    genome_view: mapping, optional
        ``page`` (and ``session``): links, relative to the dashboard, of the genome view
        (:mod:`deepmotif.report.genome_view`) shown in a frame and of its IGV session; None: no section.
    cooperativity: sequence of mapping, optional
        The motif-dependency section, one row per architecture (:func:`deepmotif.report.tf_report.cooperativity_rows`);
        empty: no section.
    """
    saliency = read_figure_index(saliency_dir)
    extra = {name: (read_figure_index(d).set_index("id")["path"] if d else pd.Series(dtype=str))
             for name, d in (("temporal", temporal_dir), ("ism", ism_dir))}
    sequences = [{"id": row.id, "saliency": row.path, "temporal": extra["temporal"].get(row.id),
                  "ism": extra["ism"].get(row.id)} for row in saliency.itertuples(index=False)]
    class_panels, filter_panels = [], []
    for panel in motifs:
        overview = Path(panel.folder) / "class_optimization.png"
        class_panels.append({"arch": panel.arch, "overview": overview,
                             "motifs": _motif_entries(panel.folder, panel.matches, "class_optimization")})
        filt = _motif_entries(panel.folder, panel.matches, "filter")
        if filt:
            filter_panels.append({"arch": panel.arch, "motifs": filt})

    modisco = _modisco_panels(motifs)

    def motif_box(m: dict) -> str:
        return Markup(MOTIF_BOX.render(m=m, max_q=max_q))

    known = known_motif_section(tf, ground_truth)
    ground_truth = [g for g in ground_truth if "jaspar_planted" in g]  # the planted-motif checks: simulated TFs
    planted = sorted({p for g in ground_truth for p in str(g.get("jaspar_planted", "")).split(",") if p})
    ground_truth = [{**g, "n_planted": len(str(g.get("jaspar_planted", "")).split(",")) if g.get("jaspar_planted")
                     else 0, "jaspar_queries": g.get("jaspar_queries") or ""} for g in ground_truth]
    variant_figures, variant_archs = [], []
    if variants is not None:
        index = read_figure_index(variants["figures"])
        if len(index):
            by_kind = {kind: part.set_index("id")["path"] for kind, part in index.groupby("kind")}
            ism_paths = by_kind.get("ism", pd.Series(dtype=str))
            variant_figures = [{"id": vid, "saliency": path, "ism": ism_paths.get(vid)}
                               for vid, path in by_kind.get("saliency", pd.Series(dtype=str)).items()]
        variant_archs = list(dict.fromkeys(a for v in variants["top"] for a in v["by_arch"]))
    settings_text = ", ".join(f"{k}={json.dumps(v)}" for k, v in (settings or {}).items())
    return DASHBOARD.render(
        tf=tf, description=description, style=Markup(STYLE), pass_rate=pass_rate, index_href=index_href, metrics=metrics,
        performance=performance, training=training, ground_truth=ground_truth, planted=", ".join(planted),
        top=top, max_q=max_q, sequences=sequences, saliency_method=(settings or {}).get("saliency", "grad_x_input"),
        class_optimization=class_panels, filters=filter_panels, motif_box=motif_box, settings=settings_text,
        modisco=modisco, modisco_method=(settings or {}).get("modisco", {}).get("method", ""),
        modisco_max_q=(settings or {}).get("modisco", {}).get("max_q", max_q),
        variants=variants, variant_figures=variant_figures, variant_archs=variant_archs, composition=composition,
        genome_view=genome_view, known=known,
        cooperativity=list(cooperativity),
    )


def known_motif_section(tf: str, ground_truth: Sequence[Mapping]) -> dict | None:
    """The dashboard's known-motif section from the ``ground_truth.json`` contents of a TF's models.

    Parameters
    ----------
    tf: str
        The TF (dataset id): names the JASPAR lookup when it found no matrix.
    ground_truth: sequence of mapping
        ``ground_truth.json`` per architecture; those with a ``known_motifs`` entry
        (:func:`deepmotif.interpret.known_motifs.known_motif_check`) are shown, in order.

    Returns
    -------
    dict or None
        ``expected`` (the matrices of all models, each once), ``max_q`` and ``min_information`` (of the first
        model), ``no_matrix`` and ``lookup_name`` (the text when nothing is expected) and ``models``: per
        architecture its ``verdicts`` (each with ``match``,
        :func:`deepmotif.interpret.known_motifs.match_text`), ``n_decoy``, ``n_queries`` and ``family_share``;
        None when no model has the check.
    """
    from deepmotif.interpret.known_motifs import NO_MATRIX, match_text, tf_name

    checks = [(g["arch"], g["known_motifs"]) for g in ground_truth if "known_motifs" in g]
    if not checks:
        return None
    expected = {tuple(sorted(e.items())): e for _, check in checks for e in check["expected"]}
    first = checks[0][1]
    return {"expected": list(expected.values()), "max_q": first["max_q"], "min_information": first["min_information"],
            "no_matrix": NO_MATRIX, "lookup_name": tf_name(tf),
            "models": [{"arch": arch, "verdicts": [{**v, "match": match_text(v)} for v in check["verdicts"]],
                        **{k: check.get(k) for k in ("n_decoy", "n_queries", "family_share")}}
                       for arch, check in checks]}


def _modisco_panels(motifs: Sequence[MotifPanel]) -> list[dict]:
    """The TF-MoDISco section's panels: per architecture its pattern table, logos and distance figure."""
    panels = []
    for panel in motifs:
        if panel.modisco is None:
            continue
        index = read_figure_index(panel.folder)
        index = index[index["source"].isin(["modisco", "modisco_distances"])] if "source" in index else index.iloc[:0]
        panels.append({"arch": panel.arch, "patterns": panel.modisco[0].to_dict("records"),
                       "logos": index[index["source"] == "modisco"].to_dict("records"),
                       "distances": index[index["source"] == "modisco_distances"].to_dict("records")})
    return panels


def render_index(
    auc_table: pd.DataFrame,
    dashboards: Mapping[str, str],
    descriptions: Mapping[str, str] | None = None,
    ground_truth: pd.DataFrame | None = None,
    *,
    top: int,
    max_q: float,
    figures: Mapping[str, str | os.PathLike] | None = None,
    variants: pd.DataFrame | None = None,
    variant_truth: pd.DataFrame | None = None,
    n_variants: int = 20,
    composition: Mapping[str, float] | None = None,
    known_motifs: pd.DataFrame | None = None,
    known_figures: str | os.PathLike | None = None,
    min_information: float | None = None,
    known_max_q: float | None = None,
    cooperativity: pd.DataFrame | None = None,
) -> str:
    """The index page: one row per TF with a link to its dashboard, the AUC table, ground-truth checks.

    Parameters
    ----------
    auc_table: pandas.DataFrame
        ``results/summary/auc_table.tsv`` (``tf arch test_auroc test_auprc`` + mean/median rows).
    dashboards: mapping of str to str
        TF → link to its dashboard, relative to the index page.
    descriptions: mapping of str to str, optional
    ground_truth: pandas.DataFrame, optional
        ``results/summary/ground_truth.tsv``.
    top, max_q: int, float
        The settings of the ground-truth checks, for the text.
    figures: mapping of str to path, optional
        Cross-TF figures shown: ``auc_scatter`` and ``auc_box`` (``deepmotif plot-summary``).
    variants: pandas.DataFrame, optional
        ``results/summary/variants.tsv`` (ranked); its first ``n_variants`` rows are listed.
    variant_truth: pandas.DataFrame, optional
        ``results/summary/variants_ground_truth.tsv``.
    n_variants: int, optional
        Default 20.
    composition: mapping of str to float, optional
        TF → test AUROC of the composition-only baseline (``results/{tf}/composition.json``); a column of
        the TF table when given.
    known_motifs: pandas.DataFrame, optional
        ``results/summary/known_motifs.tsv`` (:func:`deepmotif.report.known_motifs.known_motif_table`):
        a verdict column in the TF table and a section with the calibration.
    known_figures: path, optional
        Folder of :func:`deepmotif.report.known_motifs.write_known_motif_figures`.
    min_information, known_max_q: float, optional
        The known-motif check's information and q-value thresholds, for the text.
    cooperativity: pandas.DataFrame, optional
        ``results/summary/cooperativity.tsv`` (:data:`deepmotif.interpret.cooperativity.SUMMARY_COLUMNS`).
    """
    from deepmotif.report.known_motifs import pooled_false_match_rate

    archs = list(dict.fromkeys(auc_table["arch"]))
    figures = dict(figures or {})
    if len(archs) < 2:  # one architecture: nothing to compare
        figures.pop("auc_scatter", None)
    known, known_by, calibration = [], {}, {}
    if known_motifs is not None and len(known_motifs):
        paths = {}
        if known_figures is not None:
            index = read_figure_index(known_figures)
            if "tf" in index:
                paths = {(str(r.tf), str(r.arch)): r.path for r in index.itertuples(index=False)}
        known = [{**r, "figure": paths.get((str(r["tf"]), str(r["arch"])))}
                 for r in known_motifs.astype({"tf": str, "arch": str}).to_dict("records")]
        known_by = {(k["tf"], k["arch"]): k for k in known}
        calibration = pooled_false_match_rate(known_motifs)
    tfs = []
    for tf, href in dashboards.items():
        rows = auc_table[auc_table["tf"] == tf]
        tfs.append({"tf": tf, "href": href, "description": (descriptions or {}).get(tf, ""),
                    "auroc": dict(zip(rows["arch"], rows["test_auroc"]))})
    if ground_truth is not None and len(ground_truth):
        ground_truth = ground_truth.assign(n_planted=ground_truth["jaspar_planted"].fillna("").map(
            lambda s: len([p for p in str(s).split(",") if p])))
    variants_top = variants.head(n_variants).to_dict("records") if variants is not None else []
    by_tf: dict[str, dict[str, str]] = {}
    for row in (cooperativity.itertuples(index=False) if cooperativity is not None else ()):
        by_tf.setdefault(row.tf, {})[row.arch] = row.strongest
    return INDEX.render(style=Markup(STYLE), top=top, max_q=max_q, archs=archs, tfs=tfs, auc=auc_table, ground_truth=ground_truth,
                        hrefs=dict(dashboards), figures=figures, variants=variants, known=known,
                        known_by=known_by, calibration=calibration, known_max_q=known_max_q, known_bits=min_information,
                        variants_top=variants_top, has_class=variants is not None and "CLASS" in variants.columns,
                        variant_truth=variant_truth, composition=dict(composition or {}),
                        cooperativity=by_tf if cooperativity is not None else None)


def write_html(path: str | os.PathLike, html: str) -> None:
    """Write a page atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
