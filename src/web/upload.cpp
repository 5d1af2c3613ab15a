// web/upload: see the header.
#include "web/upload.hpp"

#include <cmath>

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "router/in_process_session.hpp"
#include "wamp/nlohmann_value.hpp"
#include "web/common.hpp"
#include "web/multipart.hpp"

namespace junction::web {

namespace http = boost::beast::http;

namespace {

constexpr std::uint64_t kMaxChunkBody = 64 * 1024 * 1024;
constexpr std::uint64_t kFormOverhead = 64 * 1024;

std::optional<std::uint64_t> parse_count(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::uint64_t n = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

void refuse(transport::HttpExchange& exchange, unsigned status, std::string message) {
  JLOG(debug, "web") << exchange.connection().peer << ": upload " << exchange.path() << ": "
                     << status << " " << message;
  exchange.respond(static_cast<http::status>(status), std::move(message));
}

}  // namespace

// One checked POST: what the store needs plus what the progress events carry.
struct UploadService::Chunk {
  ChunkRequest request;
  std::string topic;  // empty: no progress events
  std::optional<wamp::Id> eligible;
  wamp::Value chunk_extra = wamp::Object{};
  wamp::Value finish_extra = wamp::Object{};
};

UploadService::UploadService(UploadOptions options)
    : options_(std::move(options)), store_(options_.limits) {}

UploadService::~UploadService() {
  thread_.stop();
}

std::uint64_t UploadService::body_limit() const {
  return std::min(options_.limits.max_file_size, kMaxChunkBody) + kFormOverhead;
}

void UploadService::start(router::Router& router, boost::asio::io_context& routing_io) {
  store_.open();  // throws for an unusable directory: the node does not start
  routing_io_ = &routing_io;
  try {
    session_ = std::make_unique<router::InProcessSession>(router, options_.realm, options_.authid,
                                                          options_.authrole);
  } catch (const std::exception& e) {
    throw std::runtime_error("upload service cannot join realm '" + options_.realm +
                             "': " + e.what());
  }
  thread_.start();
  JLOG(debug, "web") << "upload service: files into '" << options_.limits.directory.string()
                     << "', realm '" << options_.realm << "', role '" << options_.authrole << "'";
}

void UploadService::stop() {
  thread_.stop();  // requests not yet taken up answer 500
  if (session_) session_->leave();
  session_.reset();
}

void UploadService::handle(transport::HttpExchange exchange) {
  const auto method = exchange.request().method();
  const UploadFormFields& f = options_.fields;

  if (method == http::verb::get || method == http::verb::head) {
    // resumable.js's testChunks: is this chunk stored already?
    auto query = query_fields(exchange.query());
    const auto name = query.find(f.file_name);
    const auto number = query.find(f.chunk_number);
    if (name == query.end() || number == query.end()) {
      return refuse(
          exchange, 400,
          "missing query parameter '" + (name == query.end() ? f.file_name : f.chunk_number) + "'");
    }
    const auto n = parse_count(number->second);
    if (!n) return refuse(exchange, 400, "invalid chunk number '" + number->second + "'");
    auto shared = std::make_shared<transport::HttpExchange>(std::move(exchange));
    const bool posted = thread_.post([this, shared, file = std::move(name->second), n = *n](auto&) {
      if (store_.has_chunk(file, n)) {
        shared->respond(http::status::ok, "chunk of file already uploaded");
      } else {
        shared->respond(http::status::not_found, "chunk of file not yet uploaded");
      }
    });
    if (!posted) refuse(*shared, 503, "the upload service is not running");
    return;
  }
  if (method != http::verb::post) {
    transport::HttpResponse response =
        transport::HttpResponse::text(http::status::method_not_allowed, "use POST (or GET)");
    response.headers.set(http::field::allow, "GET, HEAD, POST");
    return exchange.respond(std::move(response));
  }

  // The fields: from the multipart form, else (resumable.js's "octet" method) the body is the
  // content; the query string fills in what the form does not carry.
  std::map<std::string, std::string, std::less<>> fields = query_fields(exchange.query());
  std::optional<std::string_view> content;
  const auto content_type = exchange.request()[http::field::content_type];
  const std::string_view body = exchange.request().body();
  if (const auto boundary = multipart_boundary(content_type)) {
    const auto parts = parse_multipart(body, *boundary);
    if (!parts) return refuse(exchange, 400, "malformed multipart/form-data body");
    for (const FormPart& part : *parts) {
      if (part.name == f.content) {
        if (!content) content = part.value;
        continue;
      }
      fields.insert_or_assign(part.name, std::string(part.value));
    }
  } else {
    content = body;
  }
  if (!content) return refuse(exchange, 400, "missing form field '" + f.content + "'");

  auto chunk = std::make_shared<Chunk>();
  auto text = [&](const std::string& name) -> const std::string* {
    const auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  };
  const std::string* file_name = text(f.file_name);
  if (file_name == nullptr)
    return refuse(exchange, 400, "missing form field '" + f.file_name + "'");
  chunk->request.file_name = *file_name;
  for (auto [name, target] : {std::pair{&f.total_size, &chunk->request.total_size},
                              std::pair{&f.total_chunks, &chunk->request.total_chunks},
                              std::pair{&f.chunk_number, &chunk->request.chunk_number}}) {
    const std::string* value = text(*name);
    if (value == nullptr) return refuse(exchange, 400, "missing form field '" + *name + "'");
    const auto n = parse_count(*value);
    if (!n) return refuse(exchange, 400, "form field '" + *name + "' is not a number");
    *target = *n;
  }
  if (const std::string* value = text(f.chunk_size); value && !parse_count(*value)) {
    return refuse(exchange, 400, "form field '" + f.chunk_size + "' is not a number");
  }
  for (auto [name, target] : {std::pair{&f.chunk_extra, &chunk->chunk_extra},
                              std::pair{&f.finish_extra, &chunk->finish_extra}}) {
    const std::string* value = name->empty() ? nullptr : text(*name);
    if (value == nullptr) continue;
    try {
      *target = wamp::from_nlohmann(nlohmann::json::parse(*value));
    } catch (const nlohmann::json::exception&) {
      return refuse(exchange, 400, "form field '" + *name + "' is not JSON");
    }
  }
  if (const std::string* topic = f.on_progress.empty() ? nullptr : text(f.on_progress)) {
    chunk->topic = *topic;
    if (const std::string* session = f.session.empty() ? nullptr : text(f.session)) {
      const auto id = parse_count(*session);
      if (!id) return refuse(exchange, 400, "form field '" + f.session + "' is not a session id");
      chunk->eligible = *id;
    }
  }
  chunk->request.content = *content;  // a view into the request body, which `shared` keeps
  auto shared = std::make_shared<transport::HttpExchange>(std::move(exchange));
  const bool posted = thread_.post(
      [this, shared, chunk = std::move(chunk)](auto&) mutable { store(shared, std::move(chunk)); });
  if (!posted) refuse(*shared, 503, "the upload service is not running");
}

void UploadService::store(std::shared_ptr<transport::HttpExchange> exchange,
                          std::shared_ptr<Chunk> chunk) {
  const ChunkOutcome outcome = store_.put(chunk->request);
  if (outcome.status != 200) return refuse(*exchange, outcome.status, outcome.message);
  // Crossbar's sequence: "started" for the first chunk of an upload; a one-chunk file is then
  // "finished"; a chunk of a longer file is "progress", and the last one also "finished".
  if (outcome.started) publish(*chunk, "started", 0, false);
  if (chunk->request.total_chunks > 1) publish(*chunk, "progress", outcome.received, false);
  if (outcome.finished) publish(*chunk, "finished", outcome.received, true);
  exchange->respond(http::status::ok, "");
}

void UploadService::publish(const Chunk& chunk, std::string status, std::uint64_t received,
                            bool finished) {
  if (chunk.topic.empty() || routing_io_ == nullptr) return;
  const std::uint64_t total = chunk.request.total_size;
  const double progress =
      total == 0
          ? (finished ? 1.0 : 0.0)
          : std::round(static_cast<double>(received) / static_cast<double>(total) * 1000) / 1000;
  wamp::Object event{{"id", wamp::Value(chunk.request.file_name)},
                     {"chunk", wamp::Value(chunk.request.chunk_number)},
                     {"name", wamp::Value(chunk.request.file_name)},
                     {"total", wamp::Value(total)},
                     {"remaining", wamp::Value(total - std::min(received, total))},
                     {"status", wamp::Value(std::move(status))},
                     {"progress", wamp::Value(progress)},
                     {"chunk_extra", chunk.chunk_extra}};
  if (finished) event.emplace("finish_extra", chunk.finish_extra);
  wamp::Object options{{"acknowledge", wamp::Value(true)}};
  if (chunk.eligible)
    options.emplace("eligible", wamp::Value(wamp::Array{wamp::Value(*chunk.eligible)}));
  boost::asio::post(
      *routing_io_, [self = shared_from_this(), topic = chunk.topic, event = std::move(event),
                     options = std::move(options)]() mutable {
        if (!self->session_ || !self->session_->joined()) return;
        self->session_->publish(topic, wamp::Array{wamp::Value(std::move(event))}, {},
                                std::move(options), [topic](router::InProcessSession::Answer a) {
                                  if (!a.ok()) {
                                    JLOG(warn, "web") << "upload: cannot publish progress to '"
                                                      << topic << "': " << a.error;
                                  }
                                });
      });
}

}  // namespace junction::web
