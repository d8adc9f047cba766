// An optional input is type-checked like any other: "eval"'s baseline wants an int, "report" gives a string.
// expect: input_type_mismatch<.*"eval".*"baseline".*"report".*int, std::(__cxx11::)?basic_string<char>
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"train">(load_data{}), mp::node<"report">(describe{}) << mp::from<"train">,
                        mp::node<"eval">(evaluate{}) << mp::from<"train", "train", "report">);
  (void)p;
}
