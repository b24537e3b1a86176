// Names and classes of record kinds, all taken from the AA_KINDS table in
// preload/log_format.h so a new kind needs no edit here.
#include "event.h"

namespace aa {
namespace {
struct KindRow {
  const char* name;
  aa_class cls;
  const char* args;
};
constexpr KindRow kRows[] = {
    {"none", AA_CLASS_META, ""},
#define AA_X(e, n, c, a) {n, AA_CLASS_##c, a},
    AA_KINDS(AA_X)
#undef AA_X
};
static_assert(sizeof(kRows) / sizeof(kRows[0]) == AA_KIND_COUNT, "one row per kind");

const KindRow& row(aa_kind k) {
  static const KindRow unknown{"unknown", AA_CLASS_META, ""};
  return (k >= 0 && k < AA_KIND_COUNT) ? kRows[k] : unknown;
}
}  // namespace

const char* kind_name(aa_kind k) { return row(k).name; }
aa_class kind_class(aa_kind k) { return row(k).cls; }
const char* kind_args(aa_kind k) { return row(k).args; }

}  // namespace aa
