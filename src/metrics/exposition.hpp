// metrics/exposition: writes Prometheus' text exposition format (version 0.0.4): metric
// families with their HELP and TYPE lines, samples with escaped label values.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace junction::metrics {

using Label = std::pair<std::string_view, std::string_view>;

class Exposition {
 public:
  // Media type of the text format, for the Content-Type header.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // Starts a family: "# HELP <name> <help>" and "# TYPE <name> <type>" (type: counter, gauge).
  // Counters are named with their "_total" suffix, as Prometheus' own clients write them.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample of the current family: `name{label="value",...} value`.
  void sample(std::string_view name, std::initializer_list<Label> labels, std::uint64_t value);
  void sample(std::string_view name, std::uint64_t value) { sample(name, {}, value); }

  const std::string& text() const { return text_; }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

}  // namespace junction::metrics
