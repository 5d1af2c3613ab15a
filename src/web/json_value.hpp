// web/json_value: Crossbar's "json" path service — a fixed JSON document (the config's "value",
// serialised once at start-up by the config reader), with Crossbar's options: cross-origin
// headers (allow_cross_origin, default on) and discourage_caching.
#pragma once

#include <memory>
#include <string>

#include "transport/http_service.hpp"

namespace junction::web {

struct JsonValueOptions {
  bool allow_cross_origin = true;
  bool discourage_caching = false;
};

class JsonValueService : public transport::HttpService {
 public:
  // `document`: the JSON text to serve.
  JsonValueService(std::string document, JsonValueOptions options);
  std::string_view type() const override { return "json"; }
  void handle(transport::HttpExchange exchange) override;

 private:
  std::shared_ptr<const std::string> document_;
  JsonValueOptions options_;
};

}  // namespace junction::web
