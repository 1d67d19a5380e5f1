/// The colours of every chart: Okabe and Ito's palette ("Color Universal Design", 2008),
/// which stays distinguishable under the common forms of colour blindness. Yellow is left
/// out (too faint on white), and series also differ by dash or marker shape, so a chart
/// still reads in greyscale print.
package enum ChartPalette {
    /// In the order series take them: blue, vermillion, bluish green, reddish purple,
    /// orange, sky blue, black.
    package static let colors = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
    ]

    /// The colour of the `index`-th series (cycling past the end).
    package static func color(_ index: Int) -> String {
        colors[index % colors.count]
    }

    static let text = "#222222"
    static let mutedText = "#555555"
    static let grid = "#E4E4E4"
    static let axis = "#777777"
}
