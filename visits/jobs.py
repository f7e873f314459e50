"""Celery jobs for the expert visit. They take ids and call one service."""
import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def build_material_package(package_id):
    """Build the materials zip; a second delivery finds it claimed and does nothing."""
    from .package import material_package_build

    package = material_package_build(package_id=package_id)
    if package is not None:
        logger.info("build_material_package package=%s state=%s files=%s", package_id, package.state,
                    package.document_count)
        return package.state
    return None
