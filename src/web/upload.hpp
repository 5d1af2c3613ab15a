// web/upload: Crossbar's "upload" path service — files uploaded in chunks by HTTP POST
// (multipart/form-data as resumable.js sends them, or a raw body with the fields in the query
// string, resumable.js's "octet" method), resumable (a GET with the file name and chunk number
// answers 200 when that chunk is already stored, 404 when it is not), with progress events
// published on a WAMP topic the client names.
//
// Requests arrive on I/O threads, where the form is parsed and checked; the file work (writing a
// chunk, assembling a file of many chunks) runs on the service's own thread (web/upload_store
// does it, one request at a time, so no two requests race on one upload), which answers the
// request. Progress events are published by an in-process session of the router joined to the
// path's realm with its role (as the HTTP bridge's), so they are authorized like any client's:
// {"id", "chunk", "name", "total", "remaining", "status": "started" | "progress" | "finished",
//  "progress" (0..1, 3 decimals), "chunk_extra", and "finish_extra" when finished} — Crossbar's
// payload — restricted to the session named by the "session" form field (eligible) if given.
#pragma once

#include <memory>
#include <string>

#include "transport/http_service.hpp"
#include "web/service_thread.hpp"
#include "web/upload_store.hpp"

namespace junction::router {
class InProcessSession;
}

namespace junction::web {

// The names of the form fields (Crossbar's "form_fields"); the last four may be empty (unused).
struct UploadFormFields {
  std::string file_name;
  std::string mime_type;
  std::string total_size;
  std::string chunk_number;
  std::string chunk_size;
  std::string total_chunks;
  std::string content;
  std::string on_progress;
  std::string session;
  std::string chunk_extra;
  std::string finish_extra;
};

struct UploadOptions {
  std::string realm;
  std::string authrole;
  std::string authid = "file-upload";
  UploadLimits limits;
  UploadFormFields fields;
};

class UploadService : public transport::HttpService,
                      public std::enable_shared_from_this<UploadService> {
 public:
  explicit UploadService(UploadOptions options);
  ~UploadService() override;

  std::string_view type() const override { return "upload"; }
  // One chunk: max_file_size (at most 64 MiB: larger chunks are refused) plus the form around it.
  std::uint64_t body_limit() const override;
  void start(router::Router& router, boost::asio::io_context& routing_io) override;
  void stop() override;
  void handle(transport::HttpExchange exchange) override;

  const UploadOptions& options() const { return options_; }

 private:
  struct Chunk;
  // On the upload thread.
  void store(std::shared_ptr<transport::HttpExchange> exchange, std::shared_ptr<Chunk> chunk);
  // From the upload thread: publish on the routing thread.
  void publish(const Chunk& chunk, std::string status, std::uint64_t received, bool finished);

  UploadOptions options_;
  UploadStore store_;  // the upload thread only (after start)
  boost::asio::io_context* routing_io_ = nullptr;
  std::unique_ptr<router::InProcessSession> session_;  // routing thread only
  // Declared last: stopped (joined) before the members its handlers use go.
  ServiceThread thread_{"upload"};
};

}  // namespace junction::web
