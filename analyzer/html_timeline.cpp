#include "html_timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "html_escape.h"
#include "html_json.h"

namespace aa {
namespace {

using nlohmann::json;

// Layout in SVG user units; the SVG scales to the page width.
constexpr double kWidth = 1100, kLabelW = 210, kRight = 30;
constexpr double kTop = 34, kLaneH = 78, kBarH = 20, kAxisH = 44;
constexpr double kVerdictH = 20;  // a row of its own under the lanes, so it never covers a bar's label
constexpr double kMinBar = 6;  // a 2 µs call must still be visible next to a 2 ms one

struct Mark {
  const json* ev = nullptr;
  const char* role = "";  // "write", "overtaker", "submission", "ack"
  double t0 = 0, t1 = 0;  // ns
  int tid = 0;
};

struct Lane {
  int tid = 0;
  std::vector<std::string> roles;
};

bool read_mark(const json* ev, const char* role, Mark& m) {
  if (!ev) return false;
  auto t0 = html::num(*ev, "t_enter_ns");
  if (!t0) return false;
  m.ev = ev;
  m.role = role;
  m.t0 = *t0;
  m.t1 = std::max(*t0, html::num(*ev, "t_exit_ns").value_or(*t0));
  m.tid = static_cast<int>(html::num(*ev, "tid").value_or(0));
  return true;
}

// 1, 2 or 5 times a power of ten, so the axis reads in round numbers.
double nice_step(double range_us) {
  double raw = range_us / 6;
  if (raw <= 0) return 1;
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string fmt_us(double us) {
  double a = std::fabs(us);
  if (a < 1e-9) return "0";
  if (a >= 1000) return fmt::format("{:.0f}", us);
  if (a >= 10) return fmt::format("{:.1f}", us);
  return fmt::format("{:.2f}", us);
}

// Short label of an event: "write 10 B", "statx size=0", "futex".
std::string event_label(const json& ev) {
  std::string op = html::str(ev, "op", "?");
  std::string s = op;
  if (auto len = html::num(ev, "length"); len && (op.find("write") != std::string::npos || op.find("read") != std::string::npos))
    s += fmt::format(" {} B", static_cast<long long>(*len));
  if (auto size = html::num(ev, "size")) s += fmt::format(" size={}", static_cast<long long>(*size));
  std::string err = html::str(ev, "errno_name");
  if (!err.empty()) s += " → " + err;
  return s;
}

std::string arrow_path(double x0, double y0, double x1, double y1) {
  // A gentle S-curve so arrows between adjacent lanes stay readable when the
  // two ends are at almost the same time.
  double my = (y0 + y1) / 2;
  return fmt::format("M{:.1f},{:.1f} C{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}", x0, y0, x0, my, x1, my, x1, y1);
}

}  // namespace

std::string render_timeline_svg(const json& f, const std::string& dom_id) {
  Mark w, b, s, a;
  if (!read_mark(html::obj(f, "write"), "write", w)) return "";
  bool has_b = read_mark(html::obj(f, "overtaker"), "overtaker", b);
  bool has_s = read_mark(html::obj(f, "submission"), "submission", s);
  bool has_a = read_mark(html::obj(f, "acknowledgment"), "ack", a);
  int origin = static_cast<int>(html::num(f, "origin_tid").value_or(has_s ? s.tid : 0));

  // Lanes: the origin first (where the request came from), then the write's
  // helper, then the overtaker's thread; one lane per distinct tid.
  std::vector<Lane> lanes;
  auto add_lane = [&](int tid, const std::string& role) {
    for (auto& l : lanes)
      if (l.tid == tid) {
        if (std::find(l.roles.begin(), l.roles.end(), role) == l.roles.end()) l.roles.push_back(role);
        return;
      }
    lanes.push_back({tid, {role}});
  };
  if (origin) add_lane(origin, "origin");
  if (has_s) add_lane(s.tid, "origin");
  add_lane(w.tid, "write");
  if (has_b) add_lane(b.tid, "overtaker");
  if (has_a) add_lane(a.tid, "origin");
  auto lane_y = [&](int tid) {
    for (size_t i = 0; i < lanes.size(); ++i)
      if (lanes[i].tid == tid) return kTop + kLaneH * static_cast<double>(i) + kLaneH / 2;
    return kTop + kLaneH / 2;
  };

  // Time window over every mark, zero at the submission (the schema's t_rel_us base).
  std::vector<const Mark*> marks = {&w};
  if (has_b) marks.push_back(&b);
  if (has_s) marks.push_back(&s);
  if (has_a) marks.push_back(&a);
  double base = has_s ? s.t0 : w.t0;
  double lo = w.t0, hi = w.t1;
  for (auto* m : marks) lo = std::min(lo, m->t0), hi = std::max(hi, m->t1);
  // Room on the right for the labels that start at the last marks.
  double span = std::max(hi - lo, 1000.0);
  lo -= span * 0.05, hi += span * 0.16;
  double plot_w = kWidth - kLabelW - kRight;
  auto x_of = [&](double t) { return kLabelW + (t - lo) / (hi - lo) * plot_w; };

  double lanes_h = kLaneH * static_cast<double>(lanes.size());
  double height = kTop + lanes_h + kVerdictH + kAxisH;
  std::string o;
  o += fmt::format(
      "<svg class=\"aa-timeline\" id=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {:.0f} {:.0f}\" "
      "width=\"100%\" role=\"img\" aria-label=\"timeline of the finding\">\n",
      dom_id, kWidth, height);
  // One arrowhead per colour: context-stroke is not supported everywhere.
  o += "<defs>";
  for (auto [name, colour] : {std::pair{"sub", "#2563eb"}, std::pair{"ack", "#15803d"}})
    o += fmt::format("<marker id=\"{}-ah-{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
                     "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{}\"/></marker>",
                     dom_id, name, colour);
  o += "</defs>\n";
  o += fmt::format("<text x=\"{:.0f}\" y=\"20\" class=\"aa-svg-caption\">time in µs relative to the submission{}</text>\n",
                   kLabelW, has_s ? "" : " (no submission known: relative to the write)");

  // Lanes.
  for (size_t i = 0; i < lanes.size(); ++i) {
    const Lane& l = lanes[i];
    double y0 = kTop + kLaneH * static_cast<double>(i);
    std::string roles;
    for (auto& r : l.roles) roles += (roles.empty() ? "" : " ") + r;
    std::string pretty;
    for (auto& r : l.roles) {
      std::string p = r == "origin" ? "origin (asked)" : r == "write" ? "helper (wrote)" : "overtaker";
      pretty += (pretty.empty() ? "" : " · ") + p;
    }
    o += fmt::format("<g class=\"aa-lane\" data-tid=\"{}\" data-role=\"{}\">", l.tid, html_escape(roles));
    o += fmt::format("<rect class=\"aa-lane-bg{}\" x=\"0\" y=\"{:.1f}\" width=\"{:.0f}\" height=\"{:.1f}\"/>",
                     i % 2 ? " aa-odd" : "", y0, kWidth, kLaneH);
    o += fmt::format("<text class=\"aa-lane-tid\" x=\"10\" y=\"{:.1f}\">tid {}</text>", y0 + kLaneH / 2 - 3, l.tid);
    o += fmt::format("<text class=\"aa-lane-role\" x=\"10\" y=\"{:.1f}\">{}</text>", y0 + kLaneH / 2 + 15,
                     html_escape(pretty));
    o += fmt::format("<line class=\"aa-lane-line\" x1=\"{:.0f}\" x2=\"{:.0f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>",
                     kLabelW, kWidth - kRight, y0 + kLaneH / 2, y0 + kLaneH / 2);
    o += "</g>\n";
  }

  // Axis with round ticks.
  double axis_y = kTop + lanes_h + kVerdictH + 8;
  o += "<g class=\"aa-axis\">";
  o += fmt::format("<line x1=\"{:.0f}\" x2=\"{:.0f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", kLabelW, kWidth - kRight, axis_y, axis_y);
  double step = nice_step((hi - lo) / 1000.0);
  for (double us = std::ceil((lo - base) / 1000.0 / step) * step; us * 1000.0 + base <= hi; us += step) {
    double x = x_of(base + us * 1000.0);
    o += fmt::format("<line class=\"aa-tick\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>", x, kTop, axis_y + 5);
    // As many decimals as the step needs, the same on every tick: "+5", "+10", not "+5.00", "+10.0".
    int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    double shown = std::fabs(us) < step / 1e6 ? 0.0 : us;  // no "-0"
    o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}{:.{}f}</text>", x, axis_y + 20,
                     shown > 0 ? "+" : "", shown, decimals);
  }
  o += fmt::format("<text x=\"{:.0f}\" y=\"{:.1f}\" text-anchor=\"end\">µs</text>", kWidth - 4, axis_y + 20);
  o += "</g>\n";

  // The overtake: a vertical line at the moment the conflicting call entered,
  // so "entered before the write returned" is visible at a glance.
  bool manifested = has_b && b.t0 < w.t1;
  if (has_b) {
    double x = x_of(b.t0);
    o += fmt::format("<line class=\"aa-overtake-line\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>\n",
                     x, kTop, kTop + lanes_h + kVerdictH);
  }

  auto bar = [&](const Mark& m, const char* cls, const std::string& label, bool label_below) {
    double x0 = x_of(m.t0), x1 = std::max(x_of(m.t1), x0 + kMinBar);
    double yc = lane_y(m.tid);
    std::string tip = fmt::format("{} on tid {}: +{} µs, took {} µs", label, m.tid, fmt_us((m.t0 - base) / 1000.0),
                                  fmt_us((m.t1 - m.t0) / 1000.0));
    o += fmt::format("<g class=\"{}\" data-tid=\"{}\"><title>{}</title>", cls, m.tid, html_escape(tip));
    o += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.0f}\" rx=\"3\"/>", x0, yc - kBarH / 2,
                     x1 - x0, kBarH);
    // Labels sit above the bar (below for the acknowledgment, which shares the
    // origin lane with the submission), anchored so they stay inside the plot.
    double lx = std::clamp(x0, kLabelW + 2, kWidth - kRight - 180);
    double ly = label_below ? yc + kBarH / 2 + 14 : yc - kBarH / 2 - 5;
    o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text></g>\n", lx, ly, html_escape(label));
  };

  if (has_s) bar(s, "aa-submission", "submission: " + event_label(*s.ev), false);
  // Below the bar: the submission arrow arrives from above and the
  // acknowledgment (or its absence) leaves upwards.
  bar(w, "aa-write", event_label(*w.ev), true);
  if (has_b) bar(b, "aa-overtaker", std::string(manifested ? "overtook: " : "unordered: ") + event_label(*b.ev), has_b && b.tid == w.tid);
  if (has_a) bar(a, "aa-ack", "acknowledgment: " + event_label(*a.ev), true);

  // Submission handoff: from the origin's release to the start of the write.
  if (has_s) {
    o += fmt::format("<path class=\"aa-arrow-submission\" d=\"{}\" marker-end=\"url(#{}-ah-sub)\"><title>handoff: the job reached tid {}</title></path>\n",
                     arrow_path(x_of(s.t0), lane_y(s.tid), x_of(w.t0), lane_y(w.tid) - kBarH / 2), dom_id, w.tid);
  }
  // Acknowledgment: from the write's return back to the origin, or a struck
  // arrow that ends nowhere when the origin was never told.
  double wy = lane_y(w.tid), oy = lane_y(origin ? origin : (has_s ? s.tid : w.tid));
  if (has_a) {
    o += fmt::format("<path class=\"aa-arrow-ack\" d=\"{}\" marker-end=\"url(#{}-ah-ack)\"><title>the origin learned the write was done</title></path>\n",
                     arrow_path(x_of(w.t1), wy + (a.tid == w.tid ? 0 : (lane_y(a.tid) < wy ? -kBarH / 2 : kBarH / 2)),
                                x_of(a.t1), lane_y(a.tid) + (lane_y(a.tid) < wy ? kBarH / 2 : -kBarH / 2)),
                     dom_id);
  } else {
    // Leaves the bar's end on a slant, so it never hides under the
    // submission arrow's head when the write bar is only a few pixels wide.
    double x0 = std::max(x_of(w.t1), x_of(w.t0) + kMinBar) + 2, x1 = x0 + 14;
    double dir = oy < wy ? -1 : 1;
    double y0 = wy + dir * kBarH / 2, y1 = (oy == wy) ? wy + 30 : (wy + oy) / 2;
    bool right_edge = x1 > kWidth - kRight - 140;
    o += fmt::format("<g class=\"aa-noack\"><title>no event on the origin thread happens after the write's return</title>"
                     "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{3:.1f}\"/>"
                     "<path d=\"M{4:.1f},{5:.1f} l10,10 M{4:.1f},{6:.1f} l10,-10\"/>"
                     "<text x=\"{7:.1f}\" y=\"{8:.1f}\" text-anchor=\"{9}\">no acknowledgment</text></g>\n",
                     x0, y0, x1, y1, x1 - 5, y1 - 5, y1 + 5, right_edge ? x1 - 10 : x1 + 10, y1 + 4,
                     right_edge ? "end" : "start");
  }

  // The verdict in words, next to the line: how far the overtaker ran ahead.
  if (has_b) {
    double x = x_of(b.t0);
    std::string v = manifested
        ? fmt::format("{} entered {} µs before the write returned", html::str(*b.ev, "op", "call"), fmt_us((w.t1 - b.t0) / 1000.0))
        : fmt::format("write returned {} µs before {}; nothing ordered them", fmt_us((b.t0 - w.t1) / 1000.0), html::str(*b.ev, "op", "call"));
    bool left = x > kWidth - kRight - 330;
    o += fmt::format("<text class=\"aa-verdict\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>\n",
                     left ? x - 6 : x + 6, kTop + lanes_h + kVerdictH - 5, left ? "end" : "start", html_escape(v));
  }
  o += "</svg>\n";
  return o;
}

}  // namespace aa
