"""Benchmark reference (never a runtime dependency): a model server built the way the SageMaker
XGBoost container's algorithm-mode server is (aws/sagemaker-xgboost-container,
algorithm_mode/serve.py + serve_utils.py + encoder.csv_to_dmatrix): Flask, python3-xgboost,
one gunicorn worker per core, the model loaded once per worker with nthread=1, a 6 MiB body
limit, CSV decoded exactly as the container does (strip, sniff the delimiter, split, empty ->
nan, astype(float), DMatrix), predictions answered as str() of each value joined by commas.

The container runs gunicorn with gevent workers; the benchmark runs it with `-k gthread` so
HTTP keep-alive works without gevent (not packaged in Debian's python3 stack here).

Run: MODEL_PATH=/path/to/model.json gunicorn -k gthread --workers 1 --threads 4 \
       --keep-alive 60 --bind 127.0.0.1:8081 --chdir bench xgboost_reference_server:app
"""
import csv
import http.client
import os

import flask
import numpy as np
import xgboost as xgb

app = flask.Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = int(os.getenv("MAX_CONTENT_LENGTH", "6291456"))

# Loaded at import, i.e. once per gunicorn worker (no --preload), like post_worker_init.
BOOSTER = xgb.Booster()
BOOSTER.load_model(os.environ["MODEL_PATH"])
BOOSTER.set_param("nthread", 1)


def csv_to_dmatrix(csv_string):
    """encoder.csv_to_dmatrix of the container."""
    sniff_delimiter = csv.Sniffer().sniff(csv_string.split("\n")[0][:512]).delimiter
    delimiter = "," if sniff_delimiter.isalnum() else sniff_delimiter
    rows = [["nan" if x == "" else x for x in line.split(delimiter)] for line in csv_string.split("\n")]
    return xgb.DMatrix(np.array(rows).astype(float))


@app.route("/ping", methods=["GET"])
def ping():
    return flask.Response(status=http.client.OK)


@app.route("/invocations", methods=["POST"])
def invocations():
    payload = flask.request.data
    if len(payload) == 0:
        return flask.Response(response="", status=http.client.NO_CONTENT)
    content_type = (flask.request.content_type or "").split(";")[0].strip().lower()
    try:
        if content_type != "text/csv":
            raise RuntimeError("Content-type {} is not supported.".format(content_type))
        dtest = csv_to_dmatrix(payload.strip().decode("utf-8"))
    except Exception as e:
        return flask.Response(response=str(e), status=http.client.UNSUPPORTED_MEDIA_TYPE)
    try:
        preds = BOOSTER.predict(dtest, validate_features=False)
    except Exception as e:
        return flask.Response(response="Unable to evaluate payload provided: %s" % e,
                              status=http.client.BAD_REQUEST)
    return flask.Response(response=",".join(map(str, preds.tolist())), status=http.client.OK,
                          mimetype="text/csv")
