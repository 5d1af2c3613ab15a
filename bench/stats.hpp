// bench/stats: what the benchmark measures with: a latency histogram (fixed memory, no allocation
// per sample), the router's CPU time and memory from /proc/PID, and this process's own CPU time.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace junction::bench {

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Latencies in microseconds: 1 µs buckets up to 100 ms, 1 ms buckets up to 10 s, then one
// overflow bucket; the max is exact.
class Histogram {
 public:
  Histogram() : buckets_(kBuckets + 1, 0) {}
  void add_ns(std::int64_t ns) {
    const std::int64_t us = std::max<std::int64_t>(0, ns / 1000);
    ++buckets_[static_cast<std::size_t>(bucket_of(us))];
    ++count_;
    max_us_ = std::max(max_us_, us);
  }
  std::uint64_t count() const { return count_; }
  std::int64_t max_us() const { return max_us_; }
  // The latency (µs) below which `fraction` of the samples lie.
  double percentile(double fraction) const {
    if (count_ == 0) return 0;
    const auto target = static_cast<std::uint64_t>(fraction * static_cast<double>(count_));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i];
      if (seen > target) {
        if (i == kBuckets) return static_cast<double>(max_us_);
        return static_cast<double>(i < kFine
                                       ? static_cast<std::int64_t>(i)
                                       : kFine + (static_cast<std::int64_t>(i) - kFine) * 1000);
      }
    }
    return static_cast<double>(max_us_);
  }
  void merge(const Histogram& other) {
    for (std::size_t i = 0; i < buckets_.size(); ++i)
      buckets_[i] += other.buckets_[i];
    count_ += other.count_;
    max_us_ = std::max(max_us_, other.max_us_);
  }

 private:
  static constexpr std::int64_t kFine = 100000;           // 1 µs buckets below 100 ms
  static constexpr std::int64_t kBuckets = kFine + 9900;  // 1 ms buckets up to 10 s
  static std::int64_t bucket_of(std::int64_t us) {
    if (us < kFine) return us;
    return std::min<std::int64_t>(kFine + (us - kFine) / 1000, kBuckets);
  }
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::int64_t max_us_ = 0;
};

// utime + stime of a process in microseconds (from /proc/PID/stat), or -1.
inline std::int64_t process_cpu_us(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  std::int64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  const long ticks = sysconf(_SC_CLK_TCK);
  return (utime + stime) * 1000000 / ticks;
}

// VmRSS of a process in KiB (from /proc/PID/status), or -1.
inline std::int64_t process_rss_kib(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

inline std::int64_t self_cpu_us() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000LL + u.ru_utime.tv_usec +
         u.ru_stime.tv_usec;
}

}  // namespace junction::bench
