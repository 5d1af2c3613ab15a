// The WAMP spec's test vectors (../shared/testdata/wamp-testvectors): every JSON sample decodes to
// its expected attributes, and re-encoding gives the same JSON document and decodes again.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "wamp/codec.hpp"
#include "wamp/message.hpp"

namespace junction::wamp {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kVectors = fs::path(JUNCTION_TESTDATA_DIR) / "wamp-testvectors" / "singlemessage";

const Codec& codec() {
  return *codec_for(Serializer::json);
}

json to_json(const Value& value) {
  struct Visitor {
    json operator()(std::nullptr_t) const { return nullptr; }
    json operator()(bool b) const { return b; }
    json operator()(std::int64_t i) const { return i; }
    json operator()(std::uint64_t u) const { return u; }
    json operator()(double d) const { return d; }
    json operator()(const std::string& s) const { return s; }
    json operator()(const Binary& b) const {
      std::string text;
      codec().encode_value(Value(b), text);
      return json::parse(text);  // "\u0000" + base64, as on the wire
    }
    json operator()(const Array& a) const {
      json out = json::array();
      for (const auto& v : a)
        out.push_back(to_json(v));
      return out;
    }
    json operator()(const Object& o) const {
      json out = json::object();
      for (const auto& [k, v] : o)
        out[k] = to_json(v);
      return out;
    }
  };
  return std::visit(Visitor{}, value.v);
}

json options_json(const Message& m) {
  return to_json(Value(m.options));
}

// Checks one expected attribute against the decoded message.
void check_attribute(const Message& m, const std::string& key, const json& expected) {
  SCOPED_TRACE(key);
  if (key == "message_type") {
    EXPECT_EQ(static_cast<int>(m.type), expected.get<int>());
  } else if (key == "request_id") {
    EXPECT_EQ(m.request, expected.get<Id>());
  } else if (key == "session_id" || key == "subscription_id" || key == "registration_id" ||
             key == "publication_id" || key == "subscription") {
    EXPECT_EQ(m.id, expected.get<Id>());
  } else if (key == "publication") {  // EVENT's second id
    EXPECT_EQ(m.id2, expected.get<Id>());
  } else if (key == "request_type") {
    EXPECT_EQ(static_cast<int>(m.error_type), expected.get<int>());
  } else if (key == "realm" || key == "reason" || key == "procedure" || key == "topic" ||
             key == "error" || key == "method" || key == "signature") {
    EXPECT_EQ(m.uri, expected.get<std::string>());
  } else if (key == "options" || key == "details" || key == "extra") {
    EXPECT_EQ(options_json(m), expected);
  } else if (key == "roles") {
    EXPECT_EQ(options_json(m)["roles"], expected);
  } else if (key == "args" || key == "kwargs") {
    const std::string* bytes = nullptr;
    if (m.payload) bytes = key == "args" ? &m.payload->args : &m.payload->kwargs;
    if (expected.is_null()) {
      EXPECT_TRUE(bytes == nullptr || bytes->empty());
    } else {
      ASSERT_TRUE(bytes != nullptr && !bytes->empty());
      EXPECT_EQ(json::parse(*bytes), expected);
    }
  } else if (key == "payload") {
    EXPECT_TRUE(expected.is_null()) << "transparent payloads are not supported yet";
  } else {
    ADD_FAILURE() << "test does not know expected attribute '" << key << "'";
  }
}

struct Sample {
  std::string name;
  json expected;
  std::string bytes;
};

std::vector<Sample> load_samples() {
  std::vector<Sample> samples;
  for (const auto& entry : fs::recursive_directory_iterator(kVectors)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const json file = json::parse(in);
    int index = 0;
    for (const auto& sample : file.at("samples")) {
      ++index;
      if (!sample.contains("expected_attributes") || !sample.contains("serializers")) continue;
      const auto& serializers = sample.at("serializers");
      if (!serializers.contains("json")) continue;
      int variant = 0;
      for (const auto& representation : serializers.at("json")) {
        samples.push_back(
            {entry.path().filename().string() + " sample " + std::to_string(index) + " json " +
                 std::to_string(variant++) + " (" + sample.value("description", "") + ")",
             sample.at("expected_attributes"), representation.at("bytes").get<std::string>()});
      }
    }
  }
  return samples;
}

TEST(WampTestVectors, JsonSamplesDecodeAndRoundTrip) {
  const auto samples = load_samples();
  ASSERT_GE(samples.size(), 40u) << "test vectors not found under " << kVectors;
  int decoded = 0;
  for (const auto& sample : samples) {
    SCOPED_TRACE(sample.name + ": " + sample.bytes);
    const json& expected = sample.expected;
    const auto code = expected.at("message_type").get<std::uint64_t>();
    auto result = codec().decode(sample.bytes);
    // Not in Junction yet: EVENT_RECEIVED (337, provisional) and Payload Transparency (E2EE,
    // Arguments carried as one binary string). Both must be refused cleanly, not half-parsed.
    const bool transparent_payload = expected.contains("payload") && !expected["payload"].is_null();
    if (!is_known_message_type(code) || transparent_payload) {
      ASSERT_TRUE(std::holds_alternative<DecodeError>(result));
      continue;
    }
    auto* error = std::get_if<DecodeError>(&result);
    ASSERT_EQ(error, nullptr) << error->reason;
    const Message& m = std::get<Message>(result);
    for (const auto& [key, value] : expected.items())
      check_attribute(m, key, value);

    std::string encoded;
    codec().encode(m, encoded);
    EXPECT_EQ(json::parse(encoded), json::parse(sample.bytes)) << encoded;
    auto again = codec().decode(encoded);
    ASSERT_TRUE(std::holds_alternative<Message>(again)) << encoded;
    const Message& m2 = std::get<Message>(again);
    EXPECT_EQ(m2.type, m.type);
    EXPECT_EQ(m2.request, m.request);
    EXPECT_EQ(m2.id, m.id);
    EXPECT_EQ(m2.id2, m.id2);
    EXPECT_EQ(m2.error_type, m.error_type);
    EXPECT_EQ(m2.uri, m.uri);
    EXPECT_EQ(m2.options, m.options);
    ASSERT_EQ(m2.payload == nullptr, m.payload == nullptr);
    if (m.payload) {
      EXPECT_EQ(m2.payload->args, m.payload->args);  // spliced byte for byte
      EXPECT_EQ(m2.payload->kwargs, m.payload->kwargs);
    }
    ++decoded;
  }
  EXPECT_GE(decoded, 30);
}

// Validation samples hold a raw wire message; checking Options/Details is the router's job, so
// the codec must accept every one whose Arguments (if any) is a list.
TEST(WampTestVectors, ValidationSamplesAreWellFormed) {
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kVectors)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const json file = json::parse(in);
    for (const auto& sample : file.at("samples")) {
      if (!sample.contains("wmsg")) continue;
      const json& wmsg = sample.at("wmsg");
      const std::string bytes = wmsg.dump();
      SCOPED_TRACE(bytes);
      const auto code = wmsg.at(0).get<std::uint64_t>();
      const std::size_t args_index = 1 + required_fields(static_cast<MessageType>(code));
      const bool list_args = wmsg.size() <= args_index || wmsg.at(args_index).is_array();
      EXPECT_EQ(std::holds_alternative<Message>(codec().decode(bytes)), list_args);
      ++checked;
    }
  }
  EXPECT_GT(checked, 10);
}

}  // namespace
}  // namespace junction::wamp
