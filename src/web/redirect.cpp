// web/redirect: see the header.
#include "web/redirect.hpp"

#include <boost/beast/http/field.hpp>

#include "web/common.hpp"

namespace junction::web {

void RedirectService::handle(transport::HttpExchange exchange) {
  if (!allow_get_head(exchange)) return;
  auto response = transport::HttpResponse::text(
      boost::beast::http::status::found,
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Moved</title></head><body>"
      "<a href=\"" +
          transport::escape_html(url_) + "\">" + transport::escape_html(url_) +
          "</a></body></html>\n",
      "text/html; charset=utf-8");
  response.headers.set(boost::beast::http::field::location, url_);
  exchange.respond(std::move(response));
}

}  // namespace junction::web
