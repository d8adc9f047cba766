// Fuzz target "ui": the web UI's answer to any request line on a small recorded store. The input is a path and,
// after the first newline, a query string (`/history\nfigure=auc&node=evaluate`); whatever they hold, the answer
// is a page (200) or a not-found page (404), never a crash or an internal error (500) on a healthy store.
#include <mlpipe/metadata/sqlite.hpp>
#include <mlpipe/ui/app.hpp>

#include "../../benchmarks/metadata/make_store.hpp"
#include "fuzz_target.hpp"

namespace mlpipe::fuzz {
/// Three runs of a 6-node pipeline recorded once per process in a temporary SQLite file (read-only, as the UI).
inline metadata::store& ui_store() {
  static std::unique_ptr<metadata::store> s = [] {
    auto dir = std::filesystem::temp_directory_path() / ("mlpipe-fuzz-ui-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
      auto w = metadata::open_sqlite_store(dir / "store.sqlite");
      bench_store::fill(*w, dir / "artifacts", 3);
    }
    return metadata::open_sqlite_store_read_only(dir / "store.sqlite");
  }();
  return *s;
}
}  // namespace mlpipe::fuzz

MLPIPE_FUZZ_TARGET(ui) {
  using namespace mlpipe;
  auto in = fuzz::text(data, size);
  auto nl = in.find('\n');
  auto path = in.substr(0, nl);
  auto query = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  auto r = ui::handle(fuzz::ui_store(), path, ui::parse_query(query));
  if (r.status != 200 && r.status != 404) fuzz::broken("ui: a request on a healthy store is answered 200 or 404");
  if (r.body.empty()) fuzz::broken("ui: every answer has a body");
  return 0;
}
