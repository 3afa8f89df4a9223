"""Printing a record: the same PDF as File, Export, drawn onto the system printer, with a preview.

What prints is exactly what exports: the PDF's pages are rasterised (pypdfium2, 300 dpi for paper,
less for the preview) and painted onto the printer's pages, so a printed TAC plan and a sent one
never differ. A printer that cannot do A4 gets the page scaled to fit, keeping its proportions.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

PRINT_DPI = 300


def page_count(pdf: bytes) -> int:
    import pypdfium2  # noqa: PLC0415 - a large native library, loaded when printing

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def page_images(pdf: bytes, dpi: int) -> list[QImage]:
    """Each page as an image at `dpi` (copied out of pdfium's buffers)."""
    import pypdfium2  # noqa: PLC0415

    document = pypdfium2.PdfDocument(pdf)
    images = []
    try:
        for page in document:
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True)
            image = QImage(
                bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB888
            ).copy()
            images.append(image)
            page.close()
    finally:
        document.close()
    return images


def paint_pages(pdf: bytes, printer: QPrinter, *, dpi: int = PRINT_DPI) -> int:
    """Paints every page of `pdf` onto `printer`, one per sheet; returns the pages printed."""
    images = page_images(pdf, min(dpi, max(72, printer.resolution())))
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        for number, image in enumerate(images):
            if number:
                printer.newPage()
            area = QRectF(printer.pageLayout().paintRectPixels(printer.resolution()))
            area.moveTo(0, 0)
            scale = min(area.width() / image.width(), area.height() / image.height())
            target = QRectF(0, 0, image.width() * scale, image.height() * scale)
            target.moveCenter(area.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, image)
    finally:
        painter.end()
    return len(images)


def a4_printer(title: str) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setDocName(title)
    printer.setFullPage(True)  # the PDF has its own margins
    return printer


class PrintPreviewDialog(QPrintPreviewDialog):
    """The system print dialog's preview of a PDF; Print in it goes to the chosen printer.

    The dialog owns its printer: QPrintPreviewDialog keeps only a C++ pointer to the QPrinter it is
    given, so a printer held by nothing else on the Python side is freed as soon as the function that
    made it returns, and the running dialog then paints on freed memory (a segfault in
    QtPrintSupport). `self.printer` keeps it alive for as long as the dialog lives.
    """

    def __init__(self, pdf: bytes, title: str, parent: QWidget | None = None) -> None:
        printer = a4_printer(title)
        super().__init__(printer, parent)
        self.printer = printer
        self.pdf = pdf
        self.setObjectName("print-preview")
        self.setWindowTitle(f"Print preview — {title}")
        self.resize(900, 700)
        self.paintRequested.connect(self._paint)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)

    def _paint(self, target: QPrinter) -> None:
        paint_pages(self.pdf, target)


def preview_dialog(pdf: bytes, title: str, parent: QWidget | None = None) -> PrintPreviewDialog:
    """The print preview of `pdf`, owning its printer (see `PrintPreviewDialog`)."""
    return PrintPreviewDialog(pdf, title, parent)
