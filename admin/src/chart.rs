//! Charts, drawn by plotters as SVG: a Rust library made for charts, whose SVG backend needs
//! no script and no canvas on the page (the browser only measures the labels' text), so the
//! dashboard's strict content security policy stays as it is. The two series differ in line
//! (solid, dashed) and marker (circle, triangle), not in colour alone, and every chart has a
//! table of its numbers beside it for screen readers.

use plotters::prelude::*;
use yew::{AttrValue, Html};

/// One series: its name and a value per day.
pub struct Series<'a> {
    /// As the legend names it.
    pub name: &'a str,
    /// A value per day, oldest first.
    pub values: Vec<i64>,
}

const WIDTH: u32 = 720;
const HEIGHT: u32 = 280;
/// Dark enough on white for text and lines (WCAG's 3:1 for graphics at least).
const INK: RGBColor = RGBColor(0x1f, 0x29, 0x37);
const FIRST: RGBColor = RGBColor(0x1d, 0x4e, 0xd8);
const SECOND: RGBColor = RGBColor(0xb4, 0x23, 0x18);

/// Two series over `days` (`YYYY-MM-DD`, oldest first) as an SVG line chart.
pub fn days(days: &[String], first: &Series<'_>, second: &Series<'_>) -> Html {
    let mut svg = String::new();
    if draw(&mut svg, days, first, second).is_err() {
        return Html::default();
    }
    // Its numbers are in the table beside it: assistive technology reads that instead.
    let svg = svg.replacen("<svg ", "<svg aria-hidden=\"true\" focusable=\"false\" ", 1);
    Html::from_html_unchecked(AttrValue::from(svg))
}

fn draw(
    svg: &mut String,
    days: &[String],
    first: &Series<'_>,
    second: &Series<'_>,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let count = days.len().max(1) as i64;
    let top = first.values.iter().chain(&second.values).copied().max().unwrap_or(0).max(1) + 1;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(40)
        .build_cartesian_2d(0..count - 1, 0..top)?;
    let label = |index: &i64| {
        usize::try_from(*index)
            .ok()
            .and_then(|index| days.get(index))
            .map(|day| day[5..].to_owned())
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(6)
        .x_label_formatter(&label)
        .y_label_formatter(&|value| value.to_string())
        .axis_style(INK)
        .label_style(("sans-serif", 13, &INK))
        .light_line_style(RGBColor(0xe5, 0xe7, 0xeb))
        .draw()?;
    let points = |series: &Series<'_>| -> Vec<(i64, i64)> {
        series.values.iter().enumerate().map(|(day, value)| (day as i64, *value)).collect()
    };
    chart
        .draw_series(LineSeries::new(points(first), FIRST.stroke_width(2)))?
        .label(first.name)
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], FIRST.stroke_width(2)));
    chart.draw_series(points(first).into_iter().map(|point| Circle::new(point, 4, FIRST.filled())))?;
    chart
        .draw_series(DashedLineSeries::new(points(second), 6, 4, SECOND.stroke_width(2)))?
        .label(second.name)
        .legend(|(x, y)| TriangleMarker::new((x + 10, y), 5, SECOND.filled()));
    chart.draw_series(
        points(second).into_iter().map(|point| TriangleMarker::new(point, 5, SECOND.filled())),
    )?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE)
        .border_style(INK)
        .label_font(("sans-serif", 13, &INK))
        .draw()?;
    root.present()?;
    Ok(())
}
