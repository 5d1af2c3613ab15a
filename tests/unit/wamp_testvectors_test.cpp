// The WAMP spec's test vectors (../shared/testdata/wamp-testvectors): every sample of every
// serializer Junction speaks (JSON, MessagePack, CBOR, UBJSON; not the BJData variants) decodes to
// its expected attributes, and re-encoding gives the same document (compared by nlohmann's own
// decoder, since binary encodings have choices) and decodes again to the same message.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
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

// A document in `serializer`, parsed by nlohmann (an independent decoder) for comparisons.
json parse_document(Serializer serializer, const std::string& bytes) {
  switch (serializer) {
    case Serializer::json:
      return json::parse(bytes);
    case Serializer::msgpack:
      return json::from_msgpack(bytes);
    case Serializer::cbor:
      return json::from_cbor(bytes);
    case Serializer::ubjson:
      return json::from_ubjson(bytes);
  }
  return nullptr;
}

// An encoded payload (list or dict) as JSON, binary values in the "\u0000"+base64 convention.
json payload_json(Serializer format, const std::string& bytes);

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
  const Serializer format = m.payload ? m.payload->format : Serializer::json;
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
      EXPECT_EQ(payload_json(format, *bytes), expected);
    }
  } else if (key == "payload") {
    EXPECT_TRUE(expected.is_null()) << "transparent payloads are not supported yet";
  } else {
    ADD_FAILURE() << "test does not know expected attribute '" << key << "'";
  }
}

json payload_json(Serializer format, const std::string& bytes) {
  auto decoded = codec_for(format)->decode_value(bytes);
  if (auto* error = std::get_if<DecodeError>(&decoded)) {
    ADD_FAILURE() << "payload does not decode: " << error->reason;
    return nullptr;
  }
  return to_json(std::get<Value>(decoded));
}

struct Sample {
  std::string name;
  json expected;
  std::string bytes;
};

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// Every sample of `name` ("json", "msgpack", ...); UBJSON without the BJData variants.
std::vector<Sample> load_samples(const std::string& serializer_name = "json") {
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
      if (!serializers.contains(serializer_name)) continue;
      int variant = 0;
      for (const auto& representation : serializers.at(serializer_name)) {
        if (representation.value("note", "").find("BJData") != std::string::npos) continue;
        samples.push_back({entry.path().filename().string() + " sample " + std::to_string(index) +
                               " " + serializer_name + " " + std::to_string(variant++) + " (" +
                               sample.value("description", "") + ")",
                           sample.at("expected_attributes"),
                           serializer_name == "json" ? representation.at("bytes").get<std::string>()
                                                     : from_hex(representation.at("bytes_hex"))});
      }
    }
  }
  return samples;
}

// Decodes every sample of one serializer, checks its attributes and the re-encoding; returns
// how many samples re-encode to exactly the bytes of the sample.
int check_samples(Serializer serializer, const std::string& name, std::size_t min_samples) {
  const Codec& codec = *codec_for(serializer);
  const auto samples = load_samples(name);
  EXPECT_GE(samples.size(), min_samples) << "test vectors not found under " << kVectors;
  int exact = 0;
  int decoded = 0;
  for (const auto& sample : samples) {
    SCOPED_TRACE(sample.name + (serializer == Serializer::json ? ": " + sample.bytes : ""));
    const json& expected = sample.expected;
    const auto code = expected.at("message_type").get<std::uint64_t>();
    auto result = codec.decode(sample.bytes);
    // Not in Junction yet: EVENT_RECEIVED (337, provisional) and Payload Transparency (E2EE,
    // Arguments carried as one binary string). Both must be refused cleanly, not half-parsed.
    const bool transparent_payload = expected.contains("payload") && !expected["payload"].is_null();
    if (!is_known_message_type(code) || transparent_payload) {
      EXPECT_TRUE(std::holds_alternative<DecodeError>(result));
      continue;
    }
    auto* error = std::get_if<DecodeError>(&result);
    if (error != nullptr) {
      ADD_FAILURE() << error->reason;
      continue;
    }
    const Message& m = std::get<Message>(result);
    for (const auto& [key, value] : expected.items())
      check_attribute(m, key, value);

    std::string encoded;
    codec.encode(m, encoded);
    EXPECT_EQ(parse_document(serializer, encoded), parse_document(serializer, sample.bytes));
    if (encoded == sample.bytes) {
      ++exact;
    } else if (std::getenv("JUNCTION_SHOW_INEXACT") != nullptr) {
      std::string hex;
      for (unsigned char c : encoded) {
        static constexpr char kHex[] = "0123456789abcdef";
        hex += kHex[c >> 4];
        hex += kHex[c & 15];
      }
      std::printf("%s\n  ours %s\n", sample.name.c_str(), hex.c_str());
    }
    auto again = codec.decode(encoded);
    if (!std::holds_alternative<Message>(again)) {
      ADD_FAILURE() << "own encoding does not decode: " << std::get<DecodeError>(again).reason;
      continue;
    }
    const Message& m2 = std::get<Message>(again);
    EXPECT_EQ(m2.type, m.type);
    EXPECT_EQ(m2.request, m.request);
    EXPECT_EQ(m2.id, m.id);
    EXPECT_EQ(m2.id2, m.id2);
    EXPECT_EQ(m2.error_type, m.error_type);
    EXPECT_EQ(m2.uri, m.uri);
    EXPECT_EQ(m2.options, m.options);
    EXPECT_EQ(m2.payload == nullptr, m.payload == nullptr);
    if (m.payload && m2.payload) {
      EXPECT_EQ(m2.payload->args, m.payload->args);  // spliced byte for byte
      EXPECT_EQ(m2.payload->kwargs, m.payload->kwargs);
    }
    ++decoded;
  }
  EXPECT_GE(decoded, static_cast<int>(min_samples) - 6);
  return exact;
}

TEST(WampTestVectors, JsonSamplesDecodeAndRoundTrip) {
  check_samples(Serializer::json, "json", 40);
}

// Junction writes the shortest integer and length forms, float64, and (UBJSON) unsized
// containers — the choices msgpack-python, cbor2 and py-ubjson make — so the spec's samples,
// made with those libraries, come back byte for byte, except where a sample's dict keys are not
// in sorted order (Options/Details are a sorted map). Of the 35 samples per format, 5 are refused
// (transparent payloads, EVENT_RECEIVED) and 3 have unsorted keys; JUNCTION_SHOW_INEXACT=1 lists
// them.
TEST(WampTestVectors, MsgpackSamplesDecodeAndRoundTrip) {
  EXPECT_GE(check_samples(Serializer::msgpack, "msgpack", 30), 27);
}
TEST(WampTestVectors, CborSamplesDecodeAndRoundTrip) {
  EXPECT_GE(check_samples(Serializer::cbor, "cbor", 30), 27);
}
TEST(WampTestVectors, UbjsonSamplesDecodeAndRoundTrip) {
  EXPECT_GE(check_samples(Serializer::ubjson, "ubjson", 30), 27);
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
