// Stand-in for libFuzzer when the compiler is not clang (and for the short CI run): feeds every
// seed file, then a fixed number of deterministic mutations of them, to the fuzz target. Under
// ASan/UBSan this finds the shallow bugs; `make fuzz` runs the real libFuzzer for long searches.
//   usage: <target> <corpus dir> [mutations]
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string mutate(std::string s, const std::vector<std::string>& seeds, std::mt19937& rng) {
  static const char kInteresting[] =
      "[]{}\",:\\0123456789-+.eEtrufalsn \x00\x7f\xc3\xa9\xff\xed\xa0\x80";
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    const std::size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 6) {
      case 0:  // flip a byte
        if (!s.empty()) s[pos % s.size()] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:  // insert an interesting byte
        s.insert(pos, 1, kInteresting[rng() % (sizeof kInteresting - 1)]);
        break;
      case 2:  // delete a range
        if (!s.empty()) s.erase(pos % s.size(), 1 + rng() % 8);
        break;
      case 3:  // truncate
        s.resize(pos);
        break;
      case 4: {  // splice in part of another seed
        const std::string& other = seeds[rng() % seeds.size()];
        if (!other.empty()) {
          const std::size_t from = rng() % other.size();
          s.insert(pos, other.substr(from, 1 + rng() % 32));
        }
        break;
      }
      case 5:  // duplicate a range (deep nesting, long strings)
        if (!s.empty()) {
          const std::size_t from = pos % s.size();
          const std::string piece = s.substr(from, 1 + rng() % 16);
          for (int k = 0; k < 1 + static_cast<int>(rng() % 64); ++k)
            s.insert(from, piece);
        }
        break;
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <corpus dir> [mutations]\n", argv[0]);
    return 2;
  }
  const long mutations = argc > 2 ? std::atol(argv[2]) : 100000;
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    seeds.push_back(buffer.str());
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "no seeds in %s\n", argv[1]);
    return 2;
  }
  for (const auto& s : seeds)
    run(s);
  std::mt19937 rng(20261124);  // fixed: the run is reproducible
  for (long i = 0; i < mutations; ++i)
    run(mutate(seeds[rng() % seeds.size()], seeds, rng));
  std::printf("%zu seeds, %ld mutations: no crash\n", seeds.size(), mutations);
  return 0;
}
