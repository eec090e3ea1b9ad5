{
  "targets": [
    {
      "target_name": "advlab_onednn",
      "sources": [
        "src/cc/binding.cc",
        "src/cc/context.cc",
        "src/cc/kernels/Conv2D.cc",
        "src/cc/kernels/Conv2DBackpropInput.cc",
        "src/cc/kernels/Conv2DBackpropFilter.cc",
        "src/cc/kernels/MaxPool.cc",
        "src/cc/kernels/MaxPoolGrad.cc",
        "src/cc/kernels/BinaryOps.cc",
        "src/cc/kernels/UnaryOps.cc",
        "src/cc/kernels/Reduce.cc",
        "src/cc/kernels/BatchMatMul.cc",
        "src/cc/kernels/AdvlabBatchNormTrain.cc",
        "src/cc/kernels/AdvlabBatchNormTrainGrad.cc",
        "src/cc/kernels/AdvlabReluGrad.cc",
        "src/cc/kernels/AdvlabDropoutMask.cc",
        "src/cc/kernels/AdvlabAdam.cc",
        "src/cc/kernels/AdvlabSoftmaxCrossEntropy.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fopenmp", "-Wall", "-Wno-unused-parameter"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
