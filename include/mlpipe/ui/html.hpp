// mlpipe/ui/html.hpp: escaping and the page frame of the web UI and the report.
// Every string that comes from the store or an artifact goes through `escape` before it reaches a page.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

namespace mlpipe::ui {

/// Text made safe for HTML element content and quoted attribute values: `<script>` shows as text.
inline std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

/// A query-string component, percent-encoded (for links that carry a run name or a metric).
inline std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~')
      out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// A number as a person reads it: up to 4 significant digits, "-" for NaN.
inline std::string number(double v, int digits = 4) {
  if (std::isnan(v)) return "-";
  char b[40];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return b;
}

/// The style every page carries inline (a report must open with no network).
inline constexpr std::string_view stylesheet = R"css(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:baseline}
header a{color:#cfe0ff;text-decoration:none} header b{font-size:16px}
main{padding:16px 20px;max-width:1300px}
h1{font-size:20px;margin:4px 0 12px} h2{font-size:16px;margin:20px 0 8px} h3{font-size:14px;margin:14px 0 6px}
table{border-collapse:collapse;background:#fff;margin:6px 0 14px} td,th{border:1px solid #dde1e7;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.state{display:inline-block;padding:1px 7px;border-radius:9px;font-size:12px;font-weight:600}
.state-COMPLETE,.state-complete,.state-executed{background:#d8f3dc;color:#1b5e20}
.state-CACHED,.state-cached{background:#dbe9ff;color:#0d3c8a}
.state-FAILED,.state-failed{background:#ffd9d9;color:#8a0d0d}
.state-CANCELED,.state-canceled,.state-skipped{background:#eee;color:#555}
.state-RUNNING,.state-running,.state-NEW{background:#fff3c4;color:#6b5200}
.anomaly{background:#fff0f0} .drift{color:#a00;font-weight:600}
pre{background:#fff;border:1px solid #dde1e7;padding:8px;white-space:pre-wrap;word-break:break-all}
.muted{color:#667} .pager a{margin-right:10px} svg text{font:11px system-ui,sans-serif}
.dag svg{max-width:100%;height:auto;background:#fff;border:1px solid #dde1e7}
.bars rect.current{fill:#3b6fd6} .bars rect.baseline{fill:#e8833a;fill-opacity:.55}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
)css";

/// The whole page: title, the navigation bar and the body (already HTML).
inline std::string page(std::string_view title, std::string_view body, bool navigation = true) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>";
  s += escape(title);
  s += " - mlpipe</title><style>";
  s += stylesheet;
  s += "</style></head><body><header><b>mlpipe</b>";
  if (navigation) s += "<a href=\"/runs\">runs</a><a href=\"/history\">history</a><a href=\"/compare\">compare</a>";
  s += "</header><main>";
  s += body;
  s += "</main></body></html>\n";
  return s;
}

}  // namespace mlpipe::ui
