#!/usr/bin/env bash
# One training of the default run's data with a settings override, measured with /usr/bin/time
# (user+sys CPU seconds), appended as a row to $TSV. Run from a finished default run's folder
# (it reads results/<tf>/data/sequences.tsv). TSV: the table (default default_training.tsv), OUT: the
# trainings' folders (default default_training_runs), PY: the Python with deepmotif installed.
# Usage: default_training.sh SETTING TF ARCH 'JSON override of training.default (+ arch section)'
# e.g.   default_training.sh rnn_lr1e-2 CTCF rnn '{"lr":0.01,"batch_size":32,"max_epochs":50,"patience":10,"net":{"pool":"max","dropout":0.2}}'
set -euo pipefail
setting=$1 tf=$2 arch=$3 override=$4
TSV=${TSV:-default_training.tsv}
OUT=${OUT:-default_training_runs}/$setting/$tf/$arch
PY=${PY:-python}
# training.default (the schema's defaults, as config/config.yaml spells them) with the override on top
base=$($PY -c 'import json; from deepmotif.plan.config import training_defaults; print(json.dumps(training_defaults()))')
params=$($PY -c 'import json,sys; p=json.loads(sys.argv[1]); p.update(json.loads(sys.argv[2])); print(json.dumps(p))' "$base" "$override")
rm -rf "$OUT" && mkdir -p "$OUT"
load=$(cut -d' ' -f1 /proc/loadavg)
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
/usr/bin/time -f '%U %S %e' -o "$OUT/time.txt" nice -n 10 $PY -m deepmotif train "results/$tf/data/sequences.tsv" \
  --arch="$arch" --out-dir="$OUT" --threads=1 --gpus=0 --tf="$tf" --params="$params" > "$OUT/log.txt" 2>&1
load_end=$(cut -d' ' -f1 /proc/loadavg)
[ -s "$TSV" ] || printf 'setting\ttf\tarch\tparams\tepochs\tbest_epoch\ttest_auroc\tvalid_auroc\tcpu_s\twall_s\tload_start\tload_end\n' > "$TSV"
$PY - "$OUT" "$setting" "$tf" "$arch" "$params" "$load" "$load_end" >> "$TSV" <<'PYEOF'
import json, sys
out, setting, tf, arch, params, load, load_end = sys.argv[1:]
m = json.load(open(f"{out}/metrics.json"))
user, sys_, wall = map(float, open(f"{out}/time.txt").read().split()[-3:])
print("\t".join(map(str, [setting, tf, arch, params, m["epochs"], m["best_epoch"], round(m["test_auroc"], 4),
                          round(m["valid_auroc"], 4), round(user + sys_, 1), round(wall, 1), load, load_end])))
PYEOF
tail -1 "$TSV"
