{
  "targets": [
    {
      "target_name": "linux_sockets",
      "sources": [
        "native/addon.c",
        "native/common.c",
        "native/netns.c",
        "native/inet.c",
        "native/seqpacket.c",
        "native/poller.c"
      ],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
