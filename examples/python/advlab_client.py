#!/usr/bin/python3
"""A small advlab client in Python: lists datasets, trains a model while
printing its epochs as they stream, and predicts a folder of images.

It talks to the trainer service through the same proto files as the
TypeScript code. The message classes are compiled at start-up with protoc;
the RPCs are called by their full method names, so Debian's python3-grpcio
(which ships without grpc_tools and generated stubs) is all it needs:

    sudo apt-get install python3-grpcio python3-protobuf protobuf-compiler
    /usr/bin/python3 examples/python/advlab_client.py --epochs 2 --predict ./test-images
"""

import argparse
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "proto"))
PROTO_FILES = ["advlab/v1/config.proto", "advlab/v1/resources.proto", "advlab/v1/trainer_service.proto"]
SERVICE = "/advlab.v1.TrainerService/"
IMAGES_PER_REQUEST = 256


def compile_protos(proto_dir, protoc):
    """Generates the *_pb2 modules into a temporary folder and imports them."""
    out = tempfile.mkdtemp(prefix="advlab-pb2-")
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    try:
        subprocess.run([protoc, "--python_out=" + out, "-I", proto_dir] + [os.path.join(proto_dir, f) for f in PROTO_FILES], check=True)
    except subprocess.CalledProcessError:
        sys.exit("protoc could not compile the contract (see above); if google/protobuf/timestamp.proto was not found: sudo apt-get install libprotobuf-dev")
    sys.path.insert(0, out)
    from advlab.v1 import resources_pb2, trainer_service_pb2  # noqa: E402 (generated just above)

    return trainer_service_pb2, resources_pb2


class Trainer:
    """The few TrainerService methods this example uses, over a plain channel."""

    def __init__(self, channel, pb, token):
        self.pb = pb
        self.metadata = [("authorization", "Bearer " + token)] if token else None

        def unary(name, request, response):
            return channel.unary_unary(SERVICE + name, request_serializer=request.SerializeToString, response_deserializer=response.FromString)

        def stream(name, request, response):
            return channel.unary_stream(SERVICE + name, request_serializer=request.SerializeToString, response_deserializer=response.FromString)

        self._list_datasets = unary("ListDatasets", pb.ListDatasetsRequest, pb.ListDatasetsResponse)
        self._train = stream("Train", pb.TrainRequest, pb.TrainResponse)
        self._predict = stream("Predict", pb.PredictRequest, pb.PredictResponse)

    def list_datasets(self):
        return self._list_datasets(self.pb.ListDatasetsRequest(), metadata=self.metadata, timeout=30).datasets

    def train(self, request):
        return self._train(request, metadata=self.metadata)

    def predict(self, request):
        return self._predict(request, metadata=self.metadata)


def pick_dataset(datasets, wanted):
    if not wanted:
        return datasets[0]
    for d in datasets:
        if wanted in (d.id, d.name):
            return d
    sys.exit("error: no dataset %r (have: %s)" % (wanted, ", ".join(d.name for d in datasets)))


def train(trainer, pb, dataset, args):
    """Starts a run and prints its events as they arrive; returns the stored model."""
    request = pb.TrainRequest(dataset_id=dataset.id, name=args.name)
    request.model.feature_maps.extend(int(x) for x in args.feature_maps.split(","))
    request.training.epochs = args.epochs
    request.training.batch_size = args.batch_size
    request.training.learning_rate = args.lr
    for response in trainer.train(request):
        event = response.event
        kind = event.WhichOneof("event")
        if kind == "created":
            print("run %s created: %s" % (event.run_id, event.created.run.name), flush=True)
        elif kind == "epoch":
            m = event.epoch
            print(
                "epoch %d/%d loss %.4f acc %.3f val_loss %.4f val_acc %.3f (%.0f img/s)"
                % (m.epoch, args.epochs, m.train_loss, m.train_accuracy, m.val_loss, m.val_accuracy, m.images_per_second),
                flush=True,
            )
        elif kind == "finished":
            model = event.finished.model
            print("model %s stored: val_acc %.3f" % (model.id, model.val_accuracy), flush=True)
            return model
        elif kind in ("failed", "cancelled", "interrupted"):
            sys.exit("error: run %s %s: %s" % (event.run_id, kind, getattr(event, kind)))
    sys.exit("error: the stream ended before the run did")


def predict(trainer, pb, model_id, folder):
    """Uploads every file of a flat folder and prints one prediction per image."""
    names = sorted(n for n in os.listdir(folder) if not n.startswith(".") and os.path.isfile(os.path.join(folder, n)))
    for start in range(0, len(names), IMAGES_PER_REQUEST):
        request = pb.PredictRequest(model_id=model_id)
        for name in names[start : start + IMAGES_PER_REQUEST]:
            with open(os.path.join(folder, name), "rb") as f:
                request.images.images.add(id=name, data=f.read())
        for response in trainer.predict(request):
            for p in response.predictions:
                if p.error:
                    print("prediction %s error: %s" % (p.id, p.error))
                else:
                    print("prediction %s %s %.3f" % (p.id, p.prediction.label, p.prediction.confidence))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--addr", default=os.environ.get("ADVLAB_TRAINER_ADDR", "127.0.0.1:50051"), help="trainer address")
    parser.add_argument("--token", default=os.environ.get("ADVLAB_TOKEN", ""), help="bearer token, if the service wants one")
    parser.add_argument(
        "--tls-ca",
        default=os.environ.get("ADVLAB_TLS_CA") or os.environ.get("ADVLAB_TLS_CERT", ""),
        help="PEM certificate(s) to trust: connect with TLS (a service started with ADVLAB_TLS_CERT)",
    )
    parser.add_argument("--tls-server-name", default=os.environ.get("ADVLAB_TLS_SERVER_NAME", ""), help="name the certificate is checked against")
    parser.add_argument("--dataset", default="", help="dataset id or name (default: the first listed)")
    parser.add_argument("--feature-maps", default="8,16", help="channel counts, e.g. 16,32")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--name", default="python example")
    parser.add_argument("--predict", metavar="FOLDER", help="predict every image of this folder with the new model")
    parser.add_argument("--proto-dir", default=DEFAULT_PROTO_DIR)
    parser.add_argument("--protoc", default="/usr/bin/protoc")
    args = parser.parse_args()

    pb, _ = compile_protos(args.proto_dir, args.protoc)
    options = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]
    if args.tls_ca:
        with open(args.tls_ca, "rb") as f:
            credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
        if args.tls_server_name:
            options.append(("grpc.ssl_target_name_override", args.tls_server_name))
        channel = grpc.secure_channel(args.addr, credentials, options=options)
    else:
        channel = grpc.insecure_channel(args.addr, options=options)
    trainer = Trainer(channel, pb, args.token)
    try:
        datasets = trainer.list_datasets()
        for d in datasets:
            print("dataset %s %s %dpx classes=%s" % (d.id, d.name, d.image_size, ",".join(d.class_names)))
        model = train(trainer, pb, pick_dataset(datasets, args.dataset), args)
        if args.predict:
            predict(trainer, pb, model.id, args.predict)
    except grpc.RpcError as err:
        code = err.code()
        print("error: %s: %s" % (code.name, err.details()), file=sys.stderr)
        return 3 if code == grpc.StatusCode.UNAVAILABLE else 1
    finally:
        channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
