// web/json_value: see the header.
#include "web/json_value.hpp"

#include <boost/beast/http/field.hpp>

#include "web/common.hpp"

namespace junction::web {

namespace http = boost::beast::http;

JsonValueService::JsonValueService(std::string document, JsonValueOptions options)
    : document_(std::make_shared<const std::string>(std::move(document))), options_(options) {}

void JsonValueService::handle(transport::HttpExchange exchange) {
  if (!exchange.rest().empty()) return respond_not_found(exchange);
  if (!allow_get_head(exchange)) return;
  transport::HttpResponse response;
  response.headers.set(http::field::content_type, "application/json; charset=utf-8");
  if (options_.allow_cross_origin) set_cross_origin_headers(exchange, response);
  if (options_.discourage_caching) {
    response.headers.set(http::field::cache_control,
                         "no-store, no-cache, must-revalidate, max-age=0");
  }
  response.shared = document_;
  response.length = document_->size();
  exchange.respond(std::move(response));
}

}  // namespace junction::web
