"""Reading a generated form back with openpyxl: header paths, rows by label."""

import io

import openpyxl


class Sheet:
    def __init__(self, source):
        if isinstance(source, bytes):
            source = io.BytesIO(source)
        self.wb = openpyxl.load_workbook(source)
        self.ws = self.wb.worksheets[0]
        ws = self.ws
        self.number_row = next(
            r
            for r in range(1, ws.max_row + 1)
            if ws.cell(r, 1).value == 1 and ws.cell(r, 2).value == 2
        )
        self.width = max(
            c for c in range(1, ws.max_column + 1) if ws.cell(self.number_row, c).value is not None
        )
        merged = {}
        for rng in ws.merged_cells.ranges:
            value = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    merged[(r, c)] = value
        top = int(ws.print_title_rows.split(":")[0].lstrip("$"))
        self.header_top = top
        self.headers = []
        for c in range(1, self.width + 1):
            path = []
            for r in range(top, self.number_row):
                value = merged.get((r, c), ws.cell(r, c).value)
                if value is not None and (not path or path[-1] != value):
                    path.append(value)
            self.headers.append(tuple(path))
        self.rows = {}
        self.order = []
        r = self.number_row + 1
        while ws.cell(r, 1).value is not None and ws.cell(r, 1).border.left.style:
            label = str(ws.cell(r, 1).value)
            self.rows[label] = [ws.cell(r, c).value for c in range(1, self.width + 1)]
            self.order.append(label)
            r += 1
        self.last_row = r - 1

    def col(self, *path) -> int:
        matches = [i for i, h in enumerate(self.headers) if h[: len(path)] == path]
        assert len(matches) == 1, (path, self.headers)
        return matches[0]

    def value(self, label: str, *path):
        return self.rows[label][self.col(*path)]

    def text(self) -> str:
        return "\n".join(
            " ".join(str(v) for v in row if v is not None)
            for row in self.ws.iter_rows(values_only=True)
        )
