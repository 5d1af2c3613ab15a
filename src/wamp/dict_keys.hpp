// wamp/dict_keys: duplicate-key detection for decoders running in validate-only mode (raw
// Arguments/ArgumentsKw). Internal to the wamp module.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace junction::wamp {

// Validate-only mode must refuse what building Values refuses, or a payload accepted on the way
// in could fail to transcode on the way out: so it checks key uniqueness too (keys are copied
// decoded; short ones fit std::string's inline buffer).
class KeyTracker {
 public:
  void add(std::string_view key, const char* at) { keys_.emplace_back(std::string(key), at); }
  // Where the second of two equal keys starts, or null.
  const char* duplicate() {
    if (keys_.size() < 2) return nullptr;
    std::sort(keys_.begin(), keys_.end());
    const char* found = nullptr;
    for (std::size_t i = 1; i < keys_.size(); ++i) {
      if (keys_[i].first == keys_[i - 1].first && (found == nullptr || keys_[i].second < found)) {
        found = keys_[i].second;
      }
    }
    return found;
  }

 private:
  std::vector<std::pair<std::string, const char*>> keys_;
};

}  // namespace junction::wamp
