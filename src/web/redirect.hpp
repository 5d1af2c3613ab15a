// web/redirect: Crossbar's "redirect" path service — every GET/HEAD on the path (and below it)
// answers 302 Found with Location: the configured URL.
#pragma once

#include <string>

#include "transport/http_service.hpp"

namespace junction::web {

class RedirectService : public transport::HttpService {
 public:
  explicit RedirectService(std::string url) : url_(std::move(url)) {}
  std::string_view type() const override { return "redirect"; }
  void handle(transport::HttpExchange exchange) override;

 private:
  std::string url_;
};

}  // namespace junction::web
