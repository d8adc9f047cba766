// "report" gives a std::string, "scale" wants an int.
// expect: input_type_mismatch<.*"scale".*"report".*int, std::(__cxx11::)?basic_string<char>
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"report">(describe{}) << mp::from<"load">,
                        mp::node<"scale">(scale{}) << mp::from<"report">);
  (void)p;
}
