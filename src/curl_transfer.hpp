#pragma once
// One transfer of a CurlTransport: the request, what came back, and libcurl's per-transfer
// state. Private to the two files of the transport (curl_transport.cpp: the I/O thread's
// transfers; curl_transport_sync.cpp: the synchronous calls).

#include <curl/curl.h>

#include "curl_transport.hpp"

namespace creditmeter {
namespace detail {

// What on_header reads into, and how much of it came.
struct HeaderSink {
  HttpResponse* response = nullptr;
  std::size_t bytes = 0;
  bool too_large = false;
};

struct CurlTransport::Transfer {
  HttpRequest request;
  HttpResponse response;
  Completion done;
  curl_slist* headers = nullptr;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  bool too_large = false;
  HeaderSink headers_in{&response};
  bool retried = false;  // sent again once on a new connection (retry_on_new_connection)

  ~Transfer() { curl_slist_free_all(headers); }
};

}  // namespace detail
}  // namespace creditmeter
