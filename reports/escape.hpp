// Escaping outside text (host names, GPU names, error messages, ids) for the markup reports. Every string that
// did not come from the renderer itself goes through one of these, so a host named `<script>` is text.
// Bytes that are not UTF-8 become U+FFFD and control characters become visible `\x1b`-style text: both
// would otherwise make an XML parser reject the whole junit.xml.
#pragma once

#include <string>
#include <string_view>

namespace gpucert::reports {

// For XML element text: & < > escaped (quotes too, harmlessly); line breaks and tabs kept.
std::string xml_text(std::string_view text);

// For a double-quoted XML attribute value: as xml_text, and line breaks and tabs as character references
// so that attribute-value normalisation keeps them.
std::string xml_attribute(std::string_view text);

// The same, appended to `out`: no string of its own for text that needs no escaping.
void append_xml_text(std::string& out, std::string_view text);
void append_xml_attribute(std::string& out, std::string_view text);

// For HTML text and double- or single-quoted attribute values alike: & < > " ' escaped.
std::string html_escape(std::string_view text);

}  // namespace gpucert::reports
