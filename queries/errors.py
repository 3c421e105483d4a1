"""Errors of the data layer: precise English for logs, clear French for users."""

from __future__ import annotations


class DataError(Exception):
    """Base class: ``str(err)`` is the English log line, ``err.message_fr`` the user text."""

    message_fr: str = "Les données n'ont pas pu être lues."


class DataDirError(DataError):
    """The data directory itself is unusable (missing, no referential, no snapshot)."""

    def __init__(self, message: str, message_fr: str) -> None:
        super().__init__(message)
        self.message_fr = message_fr

    def __reduce__(self) -> tuple:  # picklable (Streamlit caches statuses holding errors)
        return (type(self), (str(self), self.message_fr))


class SnapshotError(DataError):
    """A structural fault: it stops the snapshot (never the app).

    Names the snapshot, the file and (when relevant) the column.
    """

    def __init__(
        self,
        snapshot: str,
        file: str,
        column: str | None,
        reason: str,
        reason_fr: str,
    ) -> None:
        self.snapshot = snapshot
        self.file = file
        self.column = column
        self.reason = reason
        self.reason_fr = reason_fr
        where = f"snapshot {snapshot}, file {file}"
        if column:
            where += f", column {column}"
        super().__init__(f"{where}: {reason}")
        where_fr = f"snapshot du {snapshot}, fichier {file}"
        if column:
            where_fr += f", colonne {column}"
        self.message_fr = f"Snapshot inutilisable ({where_fr}) : {reason_fr}"

    def __reduce__(self) -> tuple:
        return (
            type(self),
            (self.snapshot, self.file, self.column, self.reason, self.reason_fr),
        )


class ReferentialError(DataDirError):
    """A structural fault of the communes referential: it stops the data directory.

    Names the file, the column (when relevant) and the first offending code.
    """

    def __init__(self, file: str, column: str | None, reason: str, reason_fr: str) -> None:
        self.file = file
        self.column = column
        self.reason = reason
        self.reason_fr = reason_fr
        where = f"referential {file}" + (f", column {column}" if column else "")
        where_fr = f"fichier {file}" + (f", colonne {column}" if column else "")
        super().__init__(
            f"{where}: {reason}",
            f"Référentiel des communes inutilisable ({where_fr}) : {reason_fr}",
        )

    def __reduce__(self) -> tuple:
        return (type(self), (self.file, self.column, self.reason, self.reason_fr))


class InternalError(RuntimeError):
    """An inconsistency inside the dashboard itself (a bug, not bad input): logged in full,
    shown to users as one French sentence, never as a traceback."""

    message_fr = (
        "Erreur interne du tableau de bord : l'incident est consigné dans le journal du "
        "serveur ; signalez-le à l'équipe technique."
    )
