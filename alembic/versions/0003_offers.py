"""offers catalogue (data·inclusion schema v1 structures and services)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 23:47:46.683534

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import api.db


# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "offer_structures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("nom", sa.String(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("siret", sa.String(length=14), nullable=True),
        sa.Column("reseaux_porteurs", sa.JSON(), nullable=True),
        sa.Column("code_insee", sa.String(length=5), nullable=True),
        sa.Column("commune", sa.Text(), nullable=True),
        sa.Column("code_postal", sa.String(length=5), nullable=True),
        sa.Column("adresse", sa.Text(), nullable=True),
        sa.Column("complement_adresse", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("telephone", sa.Text(), nullable=True),
        sa.Column("courriel", sa.Text(), nullable=True),
        sa.Column("site_web", sa.String(length=2083), nullable=True),
        sa.Column("lien_source", sa.String(length=2083), nullable=True),
        sa.Column("horaires_accueil", sa.Text(), nullable=True),
        sa.Column("accessibilite_lieu", sa.String(length=2083), nullable=True),
        sa.Column("date_maj", sa.Date(), nullable=False),
        sa.Column("imported_at", api.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_structures")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_offer_structures_source_source_id")),
    )
    op.create_table(
        "offer_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("nom", sa.String(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=True),
        sa.Column("thematiques", sa.JSON(), nullable=True),
        sa.Column("frais", sa.String(length=10), nullable=True),
        sa.Column("frais_precisions", sa.Text(), nullable=True),
        sa.Column("publics", sa.JSON(), nullable=True),
        sa.Column("publics_precisions", sa.Text(), nullable=True),
        sa.Column("conditions_acces", sa.Text(), nullable=True),
        sa.Column("mobilisable_par", sa.JSON(), nullable=True),
        sa.Column("modes_mobilisation", sa.JSON(), nullable=True),
        sa.Column("mobilisation_precisions", sa.Text(), nullable=True),
        sa.Column("lien_mobilisation", sa.String(length=2083), nullable=True),
        sa.Column("modes_accueil", sa.JSON(), nullable=True),
        sa.Column("zone_eligibilite", sa.JSON(), nullable=True),
        sa.Column("code_insee", sa.String(length=5), nullable=True),
        sa.Column("commune", sa.Text(), nullable=True),
        sa.Column("code_postal", sa.String(length=5), nullable=True),
        sa.Column("adresse", sa.Text(), nullable=True),
        sa.Column("complement_adresse", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("telephone", sa.Text(), nullable=True),
        sa.Column("courriel", sa.Text(), nullable=True),
        sa.Column("horaires_accueil", sa.Text(), nullable=True),
        sa.Column("lien_source", sa.String(length=2083), nullable=True),
        sa.Column("nombre_semaines", sa.Integer(), nullable=True),
        sa.Column("volume_horaire_hebdomadaire", sa.Float(), nullable=True),
        sa.Column("date_maj", sa.Date(), nullable=False),
        sa.Column("imported_at", api.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", api.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["offer_structures.id"],
            name=op.f("fk_offer_services_structure_id_offer_structures"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_services")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_offer_services_source_source_id")),
    )
    with op.batch_alter_table("offer_services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_services_structure_id"), ["structure_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("offer_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_services_structure_id"))

    op.drop_table("offer_services")
    op.drop_table("offer_structures")
